/* Parsed netlists: a SPICE subset plus kirchhoff's learning cards (docs/netlist.md).
 * Subcircuits are flattened at parse time with ngspice's naming: node `n2` of instance `x1`
 * is `x1.n2`, and its resistor `r2` is `r.x1.r2`. All names are lower case. */
#ifndef KIRCHHOFF_NETLIST_H
#define KIRCHHOFF_NETLIST_H

#include "kirchhoff/status.h"

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kh_netlist kh_netlist;

typedef enum {
  KH_RESISTOR,  /* value: resistance in ohms (> 0) */
  KH_CAPACITOR, /* value: capacitance in farads (>= 0); open circuit at DC */
  KH_VSOURCE,   /* value: DC voltage v(pos) - v(neg) */
  KH_ISOURCE,   /* value: DC current flowing from pos through the source to neg */
  KH_DIODE,     /* value: area factor; model: its .model name */
  KH_VCVS,      /* E: value: voltage gain v(pos) - v(neg) = gain (v(c+) - v(c-)) */
  KH_CCCS,      /* F: value: current gain; gain i(control) flows from pos through it to neg */
  KH_INDUCTOR,  /* L: value: inductance in henries; a short circuit at DC */
  KH_VCCS,      /* G: value: transconductance; gm (v(c+) - v(c-)) from pos through it to neg */
  KH_CCVS,      /* H: value: transresistance; v(pos) - v(neg) = r i(control) */
  KH_JFET,      /* J: value: area; model: its NJF or PJF .model; pos, neg: drain and source
                 * (inside RD and RS, which are resistors of their own): kh_netlist_jfet_instance */
  KH_MOSFET,    /* M: value 1; model: its level-1 NMOS or PMOS .model; pos, neg: drain and source
                 * (inside RD and RS): kh_netlist_mosfet_instance */
  KH_BJT,       /* Q: value: area; model: its NPN or PNP .model; pos, neg: collector and emitter
                 * (inside RC and RE): kh_netlist_bjt_instance */
  KH_SWITCH,    /* S, W: value: the state it starts in (1 on, 0 off); model: its SW (S) or CSW
                 * (W) .model; its control nodes (S) or voltage source (W): kh_netlist_control */
  KH_BEHAVIOURAL_V, /* B with V=: v(pos) - v(neg) = f(node voltages), kh_netlist_expression */
  KH_BEHAVIOURAL_I  /* B with I=: f(node voltages) flows from pos through it to neg */
} kh_element_kind;

typedef struct {
  kh_element_kind kind;
  const char *name;          /* flattened, e.g. "r1" or "r.x1.r2" */
  size_t node_pos, node_neg; /* node indices; 0 is ground */
  double value;
  const char *model; /* diode model name, else NULL */
  const char *file;  /* where the element was written */
  unsigned line, col;
} kh_element;

/* A read-out: v(node_pos) - v(node_neg); node_neg is 0 for a single node. */
typedef struct {
  size_t node_pos, node_neg;
} kh_output;

/* Parses a netlist file; `.include` paths are relative to the including file. */
KH_API kh_status kh_netlist_parse_file(kh_context *ctx, kh_netlist **out, const char *path);
/* What a .dc sweep changes from point to point, as ngspice 39 changes it: the circuit's
 * temperature (`celsius`, NAN: the deck's own), in place of the deck's .temp and .options temp=
 * (instances' temp= stay, dtemp= follow, every `temper` reads it: ngspice's sweep gives its .op
 * at .temp T at each point, measured), and up to two top-level resistors' resistances as
 * written (`resistor[k]`, NULL: none; `ohms[k]` > 0: a .dc card's two sweeps can both be
 * resistors), each in place of its value, its model's R or its geometry, with its m, scale and
 * temperature coefficients applied as ngspice applies them to a swept resistance (measured). */
typedef struct {
  double celsius;
  const char *resistor[2];
  double ohms[2];
} kh_parse_overrides;
/* As kh_netlist_parse_file, with the overrides: what a .dc sweep reads at each point. */
KH_API kh_status kh_netlist_parse_file_with(kh_context *ctx, kh_netlist **out, const char *path,
                                            const kh_parse_overrides *o);
/* How ngspice's start-up file has ngspice read decks (`set ngbehavior=...` in .spiceinit): its
 * own mode, or its compatibility modes, which combine: PSpice's (`ps`: vendors' model libraries)
 * and LTspice's (`lt`: resistor-code values, LTspice's powers, uplim/dnlim, its ideal diodes),
 * each rewriting the lines of included files, or with `a` those of the whole deck, as ngspice 39
 * rewrites them (docs/netlist.md, "Compatibility modes"; what kirchhoff does not read as ngspice
 * does is refused at its token). The values are flags: KH_COMPAT_LT | KH_COMPAT_PSA is `ltpsa`. */
typedef enum {
  KH_COMPAT_NGSPICE = 0,
  KH_COMPAT_PS = 1,    /* ps */
  KH_COMPAT_WHOLE = 2, /* a: the rewrites apply to every line, not only included files' */
  KH_COMPAT_PSA = 3,   /* psa */
  KH_COMPAT_LT = 4,    /* lt */
  KH_COMPAT_LTPS = 5,  /* ltps */
  KH_COMPAT_LTA = 6,   /* lta */
  KH_COMPAT_LTPSA = 7  /* ltpsa */
} kh_compat;
/* The mode `set ngbehavior=VALUE` selects, VALUE read as ngspice 39 reads it (its letters as
 * typed, each mode found anywhere in it: `psa` is ps and a, `mc` resets every mode, `spe` drops
 * ps and lt): 1 with *mode set where kirchhoff reads that mode, 0 where VALUE also selects one it
 * does not read (hs, xs, ki, eg, s3, spe; *mode is then what it reads of VALUE). */
KH_API int kh_compat_from_ngbehavior(const char *value, kh_compat *mode);
/* As kh_netlist_parse_file_with (o may be NULL), reading the deck in compatibility mode `mode`. */
KH_API kh_status kh_netlist_parse_file_compat(kh_context *ctx, kh_netlist **out, const char *path,
                                              const kh_parse_overrides *o, kh_compat mode);
/* Parses netlist text; `name` is used in messages; `.include` is relative to the working dir. */
KH_API kh_status kh_netlist_parse_string(kh_context *ctx, kh_netlist **out, const char *text,
                                         const char *name);
/* Parses text kirchhoff wrote (kh_netlist_write_string's, a trace's netlist): as
 * kh_netlist_parse_string, but what only ngspice's front end stops at is read (a diode's area
 * written after its model, which ngspice 39 takes for a node and then drops the model as
 * unused, docs/netlist.md: traces written before 2026-12-07 hold such lines). */
KH_API kh_status kh_netlist_parse_own_text(kh_context *ctx, kh_netlist **out, const char *text,
                                           const char *name);
KH_API void kh_netlist_free(kh_netlist *nl);

KH_API const char *kh_netlist_title(const kh_netlist *nl);
/* Nodes, ground (index 0, named "0") included. */
KH_API size_t kh_netlist_node_count(const kh_netlist *nl);
KH_API const char *kh_netlist_node_name(const kh_netlist *nl, size_t node);
/* Index of a node by (case-insensitive) name, or (size_t)-1. "gnd" is ground. */
KH_API size_t kh_netlist_find_node(const kh_netlist *nl, const char *name);

KH_API size_t kh_netlist_element_count(const kh_netlist *nl);
KH_API kh_element kh_netlist_element(const kh_netlist *nl, size_t index);
/* Index of an element by (case-insensitive) flattened name, or (size_t)-1. */
KH_API size_t kh_netlist_find_element(const kh_netlist *nl, const char *name);
/* A current source's m (its own, or the X line's that multiplies its subcircuit), which its
 * value includes: ngspice's .dc sets a swept source's DC value as written and multiplies it by
 * m (isrcload.c); 1 for every other element. */
KH_API double kh_netlist_source_multiplier(const kh_netlist *nl, size_t index);

/* Looks up parameter `param` of model `model` (as written in .model). Returns 1 and sets *value
 * if given there, 0 otherwise. */
KH_API int kh_netlist_model_param(const kh_netlist *nl, const char *model, const char *param,
                                  double *value);
/* The type of model `model` as written in .model, lower case ("d", "njf", "pjf", "r", ...), or
 * NULL when there is no such model. */
KH_API const char *kh_netlist_model_type(const kh_netlist *nl, const char *model);
/* Value of `.options name=value`, if given; returns 1 when found. */
KH_API int kh_netlist_option(const kh_netlist *nl, const char *name, double *value);
/* Sets `.options name=value` as a last `.options` card would (it wins over earlier ones). For
 * the options read when a circuit is built from the netlist (kh_circuit_new): a circuit built
 * before keeps what it read. */
KH_API kh_status kh_netlist_set_option(kh_context *ctx, kh_netlist *nl, const char *name,
                                       double value);
/* The reltol the ngspice backend runs ngspice with (KH_WRITE_NGSPICE). ngspice also stops its
 * search for a diode's breakdown knee at reltol (docs/netlist.md), so a comparison of the two
 * backends gives kirchhoff the same: `kirchhoff op --compare` sets it on the netlist. */
#define KH_NGSPICE_RELTOL 1e-9

/* The circuit temperature in kelvins: `.temp` or `.options temp=` (degrees Celsius, 27 by
 * default, as in ngspice). */
KH_API double kh_netlist_temperature(const kh_netlist *nl);
/* The temperature a model's parameters were measured at, in kelvins: its TNOM, else `.options
 * tnom=`, else 27 degrees Celsius. model may be NULL. */
KH_API double kh_netlist_nominal_temperature(const kh_netlist *nl, const char *model);
/* 1 where nl was read for a .dc TEMP or resistor sweep's point (kh_parse_overrides with a
 * temperature or a resistor): ngspice 39 sets its devices' temperatures up again there
 * (CKTtemp, dctrcurv.c), after the setup at which its BSIM4 (4.8, and 4.0 to 4.5) parameter
 * check made its corrections, once per model name and process; the points go without them. */
KH_API int kh_netlist_set_up_again(const kh_netlist *nl);
/* A diode instance as ngspice 39 reads it: area (positional or area=, else the model's AREA,
 * else 1), multiplier m=, its temperature in kelvins (temp=, else the circuit's plus dtemp=) and
 * its perimeter factor (pj=, else the model's PJ, else 0). An instance with w= or l= defaults to
 * area 1 and pj 0; at LEVEL=3, with both, area = w l and pj = 2 (w + l), and the area and pj are
 * scaled by `.options scale` (squared for the area). For any other element: its value as area,
 * m = 1 and the circuit's temperature. */
/* thermal_node: a self-heating diode's thermal node (`Dname n+ n- tj model thermal`, its model
 * with RTH0), else 0: the junction then sits at temperature + v(tj), the power it dissipates
 * (junction and RS) flows into tj, and RTH0 joins tj to ground, as in ngspice 39. */
/* off: the instance line says `off`, and general Newton's first iterations hold it off, as
 * ngspice's do (its junction voltages at 0 V), which picks the state of a circuit with several.
 * The same in the JFET, MOSFET and BJT instances below. */
typedef struct {
  double area, m, dtemp, temperature, pj;
  size_t thermal_node;
  int off;
} kh_diode_instance;
KH_API kh_diode_instance kh_netlist_diode_instance(const kh_netlist *nl, size_t element);
/* A Shockley diode's series resistance at `kelvins` (ngspice 39's diotemp.c): RS (1 + TRS dt +
 * TRS2 dt^2) / (area m), dt from the model's nominal temperature; 0 without RS. */
KH_API double kh_netlist_diode_series_resistance(const kh_netlist *nl, size_t element,
                                                 double kelvins);

/* A JFET (J card, ngspice 39's level-1 model; docs/netlist.md): its gate, its drain and source
 * as written (the element's node_pos and node_neg are inside RD and RS, the internal nodes
 * "<name>#rd" and "<name>#rs", where the model has them), its area (positional or area=,
 * else 1), multiplier m= and temperature in kelvins (temp=, else the circuit's plus dtemp=). */
typedef struct {
  size_t gate, drain, source;
  double area, m, temperature;
  int off;
} kh_jfet_instance;
KH_API kh_jfet_instance kh_netlist_jfet_instance(const kh_netlist *nl, size_t element);
/* A MESFET of ngspice's MESA device (a Z card whose NMF model is of LEVEL 2, 3 or 4; its gate in
 * kh_jfet_instance is inside RG, "<name>#rg", where the model has it): its channel's length and
 * width in metres and its source and drain sides' temperatures in kelvins (ts=, td= or the
 * circuit's plus dtemp=); all 0 for another element. */
typedef struct {
  double l, w, ts, td;
} kh_mesa_instance;
KH_API kh_mesa_instance kh_netlist_mesa_instance(const kh_netlist *nl, size_t element);
/* A MOSFET (M card, ngspice 39's MOS levels, BSIM3 and BSIM4; docs/netlist.md): its gate, bulk,
 * drain and source as written (node_pos and node_neg are inside RD and RS, "<name>#rd" and
 * "<name>#rs", where a model other than BSIM4 has them), its geometry in metres (l=, w=, ad=, as=,
 * pd=, ps= times
 * `.options scale`, squared for the areas; else `.options defl defw defad defas`, 100 um, 100 um,
 * 0, 0), multiplier m= and temperature in kelvins (temp=, else the circuit's plus dtemp=); a BSIM3
 * instance's delvto= (0 unless given), mulu0= (1) and geo= (ACM's, 0), and which of l, w, ad,
 * as, pd, ps, nrd and nrs the instance or its model card gives (bits 0 to 7: BSIM3's ACM
 * computes the areas and perimeters not given; BSIM4's from GEOMOD) and its nrd= and nrs= (1
 * unless given; BSIM4's sheet resistances are the device's own, its element's nodes the drain
 * and source as written); a BSIM4 instance's nf=
 * (1), min= (0), geomod= (-1: the model's), rbodymod= and rgeomod= (-1: the model's), its body
 * resistances rbdb=, rbsb=, rbpb=, rbps=, rbpd= (NaN: the model's), and its stress effect's
 * sa= and sb= (0) and sd= (NaN: twice the model's DMCG), and its well proximity's sca=, scb=,
 * scc=, sc= (NaN: not given). A VDMOS's thermal nodes and `thermal`. */
typedef struct {
  size_t gate, bulk, drain, source;
  double l, w, ad, as, pd, ps, nrd, nrs, m, temperature;
  int off;
  double delvto, mulu0;
  int geo;
  double nf;
  int min_sd, geomod, rbodymod, rgeomod;
  double rbody[5]; /* rbdb, rbsb, rbpb, rbps, rbpd */
  double sa, sb, sd, sc[4];
  unsigned given;
  size_t tj, tc; /* a VDMOS's thermal nodes (`Mname d g s tj tc model`; 0 without them) */
  int thermal;   /* and `thermal`: self-heating */
} kh_mosfet_instance;
KH_API kh_mosfet_instance kh_netlist_mosfet_instance(const kh_netlist *nl, size_t element);
/* A bipolar transistor (Q card, ngspice 39's Gummel-Poon or VBIC model; docs/netlist.md): its
 * collector, base, emitter and substrate as written (ground where the card has no substrate;
 * node_pos and node_neg are inside RC and RE, "<name>#rc" and "<name>#re", and inner_base
 * inside RB, "<name>#rb", where the model has them; inner_base is the base itself where RB is
 * 0 or modulated by the current, RBM other than RB, which the transistor keeps; a VBIC keeps all
 * its resistances, so these are the card's nodes), its area
 * (positional or area=, else 1), areab= and areac= (else the area), multiplier m= and temperature
 * in kelvins (temp=, else the circuit's plus dtemp=). */
typedef struct {
  size_t collector, base, emitter, substrate, inner_base;
  size_t thermal; /* a VBIC's fifth node, its temperature rise in kelvins (0: none) */
  double area, areab, areac, m, temperature;
  int off;
} kh_bjt_instance;
KH_API kh_bjt_instance kh_netlist_bjt_instance(const kh_netlist *nl, size_t element);

/* Learning cards. */
KH_API size_t kh_netlist_input_count(const kh_netlist *nl);
/* Feature i drives source `source` with gain * x and, for a pair, source `negated` with
 * -gain * x (else negated is (size_t)-1). Element indices of V or I sources. */
typedef struct {
  size_t source, negated;
} kh_input;
KH_API kh_input kh_netlist_input(const kh_netlist *nl, size_t i);
/* The input gain from `.input gain=A` (1 when not given). */
KH_API double kh_netlist_input_gain(const kh_netlist *nl);
KH_API size_t kh_netlist_output_count(const kh_netlist *nl);
/* `.nodeset v(node)=volts` at the top level: a node and the voltage ngspice holds it at while
 * it looks for an operating point, then lets go (general Newton does the same; a circuit with a
 * co-content has one operating point and needs none). In the order given; a node given twice
 * keeps both, the last one wins. */
typedef struct {
  size_t node;
  double volts;
} kh_nodeset;
KH_API size_t kh_netlist_nodeset_count(const kh_netlist *nl);
KH_API kh_nodeset kh_netlist_nodeset(const kh_netlist *nl, size_t i);
KH_API kh_output kh_netlist_output(const kh_netlist *nl, size_t i);
KH_API size_t kh_netlist_trainable_count(const kh_netlist *nl);
KH_API size_t kh_netlist_trainable(const kh_netlist *nl, size_t i); /* element index of an R or I */
/* Feature scaling from `.scale` (written by `kirchhoff export`): how raw data become the x that
 * .input multiplies by its gain. */
typedef enum {
  KH_NETLIST_SCALE_ABSENT,     /* no card */
  KH_NETLIST_SCALE_NONE,       /* x = raw */
  KH_NETLIST_SCALE_PIXELS,     /* x = raw / 255 */
  KH_NETLIST_SCALE_STANDARDIZE /* x = (raw - mean) * inv_std, per feature */
} kh_netlist_scale_kind;
KH_API kh_netlist_scale_kind kh_netlist_scale(const kh_netlist *nl, size_t *count,
                                              const double **mean, const double **inv_std);
/* Conductance bounds from `.bounds`; returns 1 if the netlist has the card. */
KH_API int kh_netlist_bounds(const kh_netlist *nl, double *gmin, double *gmax);

/* Bidirectional amplifiers (Kendall et al. 2020): E drives `out` with gain * v(in), a 0 V
 * source `sense` from `out` carries its output current i, and F draws i / gain out of `in`:
 *   e1 out 0 in 0 A
 *   vs1 out next 0
 *   f1 in 0 vs1 1/A
 * Both references are ground and A > 0. An E or F that is not half of such a pair, and every G
 * and H, is a controlled source without a co-content (kh_netlist_general_count). */
typedef struct {
  size_t vcvs, cccs, sense; /* element indices */
  size_t in, out;           /* nodes */
  double gain;              /* A */
} kh_amplifier;
KH_API size_t kh_netlist_amplifier_count(const kh_netlist *nl);
KH_API kh_amplifier kh_netlist_amplifier(const kh_netlist *nl, size_t i);
/* Controlled sources that are not half of an amplifier (lone E or F, every G and H), and diodes
 * whose current no co-content describes (kh_netlist_diode_general_reason): only kirchhoff op's
 * general Newton path (kh_general_op) solves circuits that have them. The count, and the first
 * one's element index ((size_t)-1: none). */
KH_API size_t kh_netlist_general_count(const kh_netlist *nl, size_t *first);
/* Why diode `element`'s current has no co-content (self-heating, IKR, ISR, IKF over NS or
 * tunnelling), as a sentence; NULL when it has one, or for another element. *monotone (if not
 * NULL): 1 when its current still never decreases with its voltage (so it cannot make the
 * operating point ambiguous), 0 when it steps or falls, or heats itself (IKR, ISR, self-heating).
 */
KH_API const char *kh_netlist_diode_general_reason(const kh_netlist *nl, size_t element,
                                                   int *monotone);
/* What controls an E, F, G or H element or a switch: the controlling nodes (E, G, S; *source =
 * (size_t)-1) or the controlling voltage source's element index (F, H, W; nodes 0). Returns 0, or
 * -1 for another kind and for a POLY product term (kh_netlist_product). */
KH_API int kh_netlist_control(const kh_netlist *nl, size_t element, size_t *pos, size_t *neg,
                              size_t *source);
/* A POLY card's product term (docs/netlist.md, POLY), an E element (KH_VCVS) whose voltage is
 * v(pos) - v(neg) = value * prod_k (v(pos_k) - v(neg_k))^power_k. */
typedef struct {
  size_t pos, neg;
  unsigned power;
} kh_product_factor;
/* The number of factors of element `element` if it is a product term (0 otherwise); the first
 * `max` are written to `factors` (which may be NULL when max is 0). */
KH_API size_t kh_netlist_product(const kh_netlist *nl, size_t element, kh_product_factor *factors,
                                 size_t max);
/* A behavioural source's expression (B, docs/netlist.md): a function of node voltages that
 * kirchhoff computes as ngspice 39 does. NULL for other elements. */
typedef struct kh_expression kh_expression;
KH_API const kh_expression *kh_netlist_expression(const kh_netlist *nl, size_t element);
/* What it reads, its inputs in order: how many; the k-th one's node index for a node's voltage
 * (v(n); 0 for a current); and for a current (i(vname), from the source's + node through it to
 * its - node) that voltage source's element index, else (size_t)-1. */
KH_API size_t kh_expression_input_count(const kh_expression *x);
KH_API size_t kh_expression_input(const kh_expression *x, size_t k);
KH_API size_t kh_expression_input_source(const kh_expression *x, size_t k);
/* How many doubles of scratch kh_expression_eval needs. */
KH_API size_t kh_expression_scratch(const kh_expression *x);
/* Its value at the inputs' values `in` (volts and amperes) into *value and, if gradient is not
 * NULL, each derivative by in[k] into gradient[k]; gmin: the circuit's GMIN (ngspice moves a
 * divisor gmin 1e-20 away from zero). Returns 0, or -1 where a function is out of its range (a
 * square root or logarithm of a negative number, a value or derivative that is not finite), where
 * ngspice's evaluation fails too or gives no number; *what (if not NULL) then names the operation,
 * and after a 0 return it is "a division by zero" where a divisor was 0 (the value is then the
 * numerator over gmin 1e-20, as in ngspice), else NULL. */
KH_API int kh_expression_eval(const kh_expression *x, const double *in, double gmin, double *value,
                              double *gradient, double *scratch, const char **what);
/* For a pwl curve's expression (an XSPICE pwl instance's, or an E or G TABLE's): moves the inputs
 * in[] so that the curve's input steps from *last as ngspice 39's pwl code model lets Newton's
 * iterate step (cfunc.mod: at most 30 % of the segment it is in per step, stopping at each
 * point), updates *last (NaN: the first step, not limited) and returns 1 where it limited the
 * step; 0 and nothing changed for any other expression. */
KH_API int kh_expression_limit(const kh_expression *x, double *in, double *last);
/* For an XSPICE instance's expression (an A card's, or an E or G TABLE card's pwl), its ports'
 * values as the inputs make them, in port order: by the inputs, k[j][0] and k[j][1] (SIZE_MAX
 * for a port of one input: a node's voltage or a source's current, else the difference of two
 * nodes' voltages); how many (at most cap), 0 for another expression. */
KH_API size_t kh_expression_ports(const kh_expression *x, size_t (*k)[2], size_t cap);
/* The deck's `.dc` card: up to two sweeps, the first varying fastest, each naming a V or I
 * source (as written, resolved by kirchhoff dc). Returns how many (0: no card) and where the
 * card is. */
typedef struct {
  const char *source;
  double start, stop, step;
} kh_dc_sweep;
KH_API size_t kh_netlist_dc(const kh_netlist *nl, kh_dc_sweep sweeps[2], const char **file,
                            unsigned *line, unsigned *col);

/* Notes about accepted-but-ignored input (skipped analysis cards, ...), as
 * "file:line:col: note: ...". */
KH_API size_t kh_netlist_note_count(const kh_netlist *nl);
/* How many .control blocks (ngspice commands) the deck held: kirchhoff skips them, ngspice
 * reading the file itself would run them. */
KH_API size_t kh_netlist_control_blocks(const kh_netlist *nl);
/* What of kirchhoff's own the deck uses, which ngspice does not read ("learning cards ...",
 * "kirchhoff's own model words ..."), or NULL: ngspice reading the file itself reads what
 * kirchhoff does. */
KH_API const char *kh_netlist_kirchhoff_words(const kh_netlist *nl);
KH_API const char *kh_netlist_note(const kh_netlist *nl, size_t i);

typedef enum {
  /* kirchhoff's own text: parses back to exactly this netlist (diode models keep their kh_
   * parameters, which ngspice would ignore with a warning) */
  KH_WRITE_KIRCHHOFF,
  /* for ngspice: Shockley models keep only IS and N; ideal diodes become a steep Shockley diode
   * (IS=1e-15, N=0.001: forward drop N Vt ln(I/IS), 0.74 mV at 3 mA, 0.83 mV at 100 mA) in
   * series with a source of vth; PWL diodes become B sources with the same i(v); and
   * `.options reltol=1e-9 abstol=1e-15 vntol=1e-12` tightens ngspice's convergence */
  KH_WRITE_NGSPICE
} kh_write_flavor;

KH_API kh_status kh_netlist_write_as(kh_context *ctx, const kh_netlist *nl, FILE *out,
                                     kh_write_flavor flavor);
KH_API kh_status kh_netlist_write_string_as(kh_context *ctx, const kh_netlist *nl, char **text,
                                            kh_write_flavor flavor);
/* The same with element values replaced by values[element] (netlist units: ohms for
 * resistors, volts and amperes for sources; diode areas are kept): a trained or re-driven
 * circuit written out. */
KH_API kh_status kh_netlist_write_values(kh_context *ctx, const kh_netlist *nl, FILE *out,
                                         kh_write_flavor flavor, const double *values);
KH_API kh_status kh_netlist_write_string_values(kh_context *ctx, const kh_netlist *nl, char **text,
                                                kh_write_flavor flavor, const double *values);

/* A trained network for both programs (kirchhoff export): values[element] replace the element
 * values (netlist units; NULL: keep), header (comment lines, each ending in a newline) follows
 * the title, the inputs become `.param kh_in<i>` driven sources, ideal diodes the steep Shockley
 * model (IS=1e-15, N=0.001) with kh_ideal=1 kept for kirchhoff, and a .scale card (kind != 0)
 * replaces the netlist's own. PWL diodes and ideal diodes with a threshold are not exportable
 * yet (KH_ERR_USAGE). */
typedef struct {
  const double *values;
  const char *header;
  kh_netlist_scale_kind scale_kind;
  size_t scale_count;
  const double *scale_mean, *scale_inv_std;
} kh_export_options;
KH_API kh_status kh_netlist_export(kh_context *ctx, const kh_netlist *nl, FILE *out,
                                   const kh_export_options *o);
/* Writes the (flattened) circuit as a netlist ngspice accepts; learning cards are written in
 * their `*kh ` comment form, numbers with 17 significant digits, so parsing the text gives
 * back the same circuit. The caller frees *text with free(). */
KH_API kh_status kh_netlist_write_string(kh_context *ctx, const kh_netlist *nl, char **text);
KH_API kh_status kh_netlist_write(kh_context *ctx, const kh_netlist *nl, FILE *out);

/* Writes x into out (32 bytes) exactly as snprintf(out, 32, "%.17g", x) does, the form
 * kirchhoff writes netlists and CSV values in (it reads back as the same double), and returns
 * its length: for the usual magnitudes several times faster than printf, whose exact decimal
 * path is most of the time of writing large outputs. */
KH_API int kh_format_double(char *out, double x);

#ifdef __cplusplus
}
#endif
#endif
