/* A behavioural source's expression (B cards, netlist/behavioural.c): the tree ngspice 39's
 * inpptree.c builds from the same text, stored as nodes in evaluation order (each node's
 * operands before it), so that one forward pass gives the value and one
 * backward pass every derivative (netlist/expression.c). Private to netlist/. */
#ifndef KH_NETLIST_EXPRESSION_H
#define KH_NETLIST_EXPRESSION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
  KH_X_CONST, /* k */
  KH_X_INPUT, /* input a: a node's voltage or a voltage source's current (kh_expression) */
  KH_X_ADD,   /* a + b */
  KH_X_SUB,   /* a - b */
  KH_X_MUL,   /* a * b */
  KH_X_DIV,   /* a / b, b moved gmin 1e-20 away from zero (ngspice's PTdivide); with fn 1 a
               * plain quotient (XSPICE divide's) */
  KH_X_POW,   /* a ^ b = |a|^b (ngspice's PTpower) */
  KH_X_CALL,  /* function fn of a (and b for two arguments) */
  KH_X_TERN,  /* a != 0 ? b : c */
  KH_X_PWL,   /* pwl(a, x0, y0, ...): c points, constants from node b on (x0, y0, x1, ...) */
  /* the curve of a as ngspice 39's XSPICE pwl code model computes it (an A card's, or an E or G
   * TABLE card's): c points laid out as KH_X_PWL's, input_domain k, fn bit 0 fraction, bit 1
   * limit (behavioural.c: kh_curve) */
  KH_X_TABLE,
  /* the expression's grid (an XSPICE table2d's or table3d's) at a, b and, with fn 3, c: fn is
   * the grid's dimensions (table_grid.h) */
  KH_X_GRID
} kh_xop;

/* ngspice 39's functions (ptfuncs.c), in kh_xfunction_names' order. */
typedef enum {
  KH_XF_ABS,
  KH_XF_ACOS,
  KH_XF_ACOSH,
  KH_XF_ASIN,
  KH_XF_ASINH,
  KH_XF_ATAN,
  KH_XF_ATANH,
  KH_XF_COS,
  KH_XF_COSH,
  KH_XF_EXP,
  KH_XF_LN,
  KH_XF_LOG, /* the natural logarithm too (measured in ngspice 39: log(4) = 1.386294) */
  KH_XF_LOG10,
  KH_XF_SGN,
  KH_XF_SIN,
  KH_XF_SINH,
  KH_XF_SQRT,
  KH_XF_TAN,
  KH_XF_TANH,
  KH_XF_U,
  KH_XF_URAMP,
  KH_XF_U2,
  KH_XF_EQ0,
  KH_XF_NE0,
  KH_XF_GT0,
  KH_XF_LT0,
  KH_XF_GE0,
  KH_XF_LE0,
  KH_XF_CEIL,
  KH_XF_FLOOR,
  KH_XF_NINT,
  KH_XF_DDT, /* the time derivative: 0 at DC, as ngspice 39's B source gives it (measured) */
  KH_XF_UMINUS,
  KH_XF_POW, /* the two-argument ones from here */
  KH_XF_PWR,
  KH_XF_MIN,
  KH_XF_MAX,
  KH_XF_COUNT
} kh_xfunction;

extern const char *const kh_xfunction_names[KH_XF_COUNT];

typedef struct {
  uint8_t op, fn; /* kh_xop; kh_xfunction for KH_X_CALL */
  uint32_t a, b, c;
  double k;
} kh_xnode;

/* A B card's words after its expression (ngspice 39's asrc.c): its value is scaled by 1 + tc1 d +
 * tc2 d^2 (or its reciprocal, reciproctc=1), d its temperature (temp=, else the circuit's plus
 * dtemp) less 300.15 K, and by m (or 1/m, reciprocm=1) (asrcload.c). */
typedef struct {
  double tc1, tc2, temp, dtemp, m; /* temp in degrees Celsius, as written */
  uint8_t has_temp, reciproctc, reciprocm;
} kh_xwords;

struct kh_expression {
  const kh_xnode *nodes;
  uint32_t count, root; /* the value: nodes[root] (a .func's argument may be read twice) */
  /* per input: a node index, or for i(name) the voltage source's element index, which
   * kh_resolve_behavioural finds for the flattened name in sources (NULL for a voltage) */
  size_t *inputs;
  const char **sources;
  uint32_t input_count;
  kh_xwords words;
  double scale;   /* the words' factor at the circuit's temperature (kh_resolve_behavioural) */
  uint8_t xspice; /* an XSPICE instance's (an A card's, or an E or G TABLE's pwl) */
  const struct kh_grid *grid; /* the table a KH_X_GRID node reads (NULL where none does) */
};

/* A number as written in an expression becomes in ngspice 39: 11 significant digits (its front
 * end reprints it %.10e), read as its B-source parser reads numbers (not correctly rounded). */
double kh_expression_literal(double v);
/* A parameter's value as an expression reads it in ngspice 39: numparam substitutes its text
 * (% 23.15e), which the B-source parser reads as it reads every number. */
double kh_expression_parameter(double v);

/* Writes the expression as ngspice reads it back into the same tree (expression_writer.c): its
 * own syntax with the parentheses precedence needs, inputs as v(name) with name(user, node),
 * constants as numbers where 11 digits hold them, as the parameter <prefix><node> where they do
 * not (its `.param` line from kh_expression_write_params, to 17 digits: parameters keep their
 * precision in both programs), and inside a pwl's input, where ngspice's parse fails on a
 * parameter in some decks, as the exact sum of two numbers of 11 digits. */
void kh_expression_write(const struct kh_expression *x, FILE *out,
                         const char *(*name)(const void *user, size_t node), const void *user,
                         const char *prefix);
void kh_expression_write_params(const struct kh_expression *x, FILE *out, const char *prefix);
/* Whether the expression is a pwl curve (an E or G TABLE card's, or an XSPICE pwl instance's):
 * 1 of v(in[0]) - v(in[1]) (in[1] ground, 0, for v(in[0])), 2 of the current through voltage
 * source in[0] (an element index), 0 for another expression. Its `.model name pwl(...)` is
 * kh_expression_write_table_model's. */
int kh_expression_table(const struct kh_expression *x, size_t in[2]);
/* The same by the expression's inputs: k[0], and k[1] (UINT32_MAX for one input). */
int kh_expression_curve_inputs(const struct kh_expression *x, uint32_t k[2]);
/* The input ports of an XSPICE gain, limit, summer or mult instance's expression
 * (kh_behavioural_gain's and the others'), in order: by the expression's inputs, k[j][0] and
 * k[j][1] (UINT32_MAX for one input), or in[j] and kinds[j] as kh_expression_table says a port;
 * how many (at most cap), 0 for an expression of another shape. */
size_t kh_expression_model_inputs(const struct kh_expression *x, uint32_t (*k)[2], size_t cap);
/* At most this many: a summer's or mult's tree of more is nested too deeply to be read. */
#define KH_CODE_MODEL_PORTS 1024
size_t kh_expression_model_ports(const struct kh_expression *x, size_t (*in)[2], int *kinds,
                                 size_t cap);
void kh_expression_write_table_model(const struct kh_expression *x, FILE *out, const char *name);
/* The card's words after the expression, where they differ from their defaults. */
void kh_expression_write_words(const struct kh_expression *x, FILE *out);

#endif
