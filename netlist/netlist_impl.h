/* The parsed netlist as the library keeps it (private). */
#ifndef KH_NETLIST_IMPL_H
#define KH_NETLIST_IMPL_H

#include "core/arena.h"
#include "core/strmap.h"
#include "kirchhoff/netlist.h"
#include "source.h"

#include <stdint.h>

typedef struct {
  uint8_t kind;      /* kh_element_kind */
  uint8_t synthetic; /* 1: the series resistor that a diode's RS adds (never written back);
                      * 2: a diode moved behind it onto the internal node "<name>#rs";
                      * 3: a shunt to ground that .options rshunt= adds at a node;
                      * 4: an RF port's z0 in series with its source (from n+ to "<name>#res");
                      * 5: that source, on "<name>#res"; ctrl[0] its n+, ctrl[1] its portnum;
                      * 6: a POLY card's element, or one of its linear parts (poly.c);
                      * 7: a POLY card's product term, an E whose ctrl[0] indexes products;
                      * 8: a JFET's or MOSFET's RD or RS (elements.c, never written back) */
  uint32_t node[2];
  uint32_t model; /* index into models, or KH_NOT_FOUND */
  double value;
  kh_loc loc;
  union {                /* 48 bytes in all: a million-line netlist touches 8 MB less */
    uint32_t ctrl[2];    /* E, G: the controlling nodes; a diode: ctrl[0] its anode when RS moved
                          * it (else unused), ctrl[1] its kh_diode_inst + 1 (0: defaults); a
                          * resistor: ctrl[1] its kh_passive_temp + 1 (0: none); a JFET:
                          * ctrl[0] its gate, ctrl[1] its kh_jfet_inst; a MOSFET: ctrl[0] its
                          * gate, ctrl[1] its kh_mos_inst; a BJT: ctrl[0] its inner base, ctrl[1]
                          * its kh_bjt_inst; an S switch: its control nodes; a B source: ctrl[0]
                          * its index into expressions */
    const char *control; /* F, H and W switches: the flattened name of the controlling voltage
                          * source */
    double multiplier;   /* an I source's m (its own or an X line's), folded into value; 0 (an
                          * I source made otherwise): 1 */
  };
} kh_elem; /* its name is element_names' entry with the same index */

/* A W switch (its model CSW: `control` names its source) rather than an S (netlist.c). */
int kh_elem_current_switch(const kh_netlist *nl, const kh_elem *e);
_Static_assert(sizeof(kh_elem) <= 48, "kh_elem grew");

typedef struct {
  const char *name;
  double value;
} kh_model_param;

typedef struct {
  const char *name, *type;
  kh_model_param *params;
  size_t param_count;
  kh_loc loc;
  /* a card kirchhoff refused, held as a name alone (no params): the message an element that
   * uses it gets (model_cards.c says why); NULL for a model read */
  const char *refusal;
} kh_model;

typedef struct {
  const char *name;
  double value;
  int has_value;
} kh_option;

typedef struct {
  uint32_t pos, neg; /* element indices; neg is KH_NOT_FOUND for a single source */
} kh_input_pair;

/* A resistor's or capacitor's temperature dependence and geometry (netlist/resistor.c,
 * netlist/capacitor.c), folded into its value once every card is read; the element's ctrl[1] is
 * its index + 1, or 0 for none. Temperatures in degrees Celsius, as written. */
enum {
  KH_RT_TC1 = 1,
  KH_RT_TC2 = 2,
  KH_RT_TCE = 4,
  KH_RT_TEMP = 8,
  KH_RT_TNOM = 16,
  KH_RT_GEOMETRY = 32,
  KH_RT_L = 64, /* l= given on the instance: scaled by .options scale (defaults are not) */
  KH_RT_W = 128
};
typedef struct {
  double tc1, tc2, tce, temp, dtemp, tnom;
  unsigned given; /* KH_RT_ flags */
  /* KH_RT_GEOMETRY: the resistance comes from the model's sheet resistance once .options scale
   * is known (kh_finish_resistors): rsh (l - 2 short) / (w - 2 narrow), l and w scaled where
   * the instance gave them */
  double l, w, rsh, shrink_l, shrink_w, model_r; /* model_r NAN: none */
  /* a capacitor's KH_RT_GEOMETRY: cj (l - short) (w - narrow) + cjsw 2 ((l - short) +
   * (w - narrow)) (kh_finish_capacitors) */
  double cj, cjsw;
} kh_passive_temp;

/* An instance's temp= (degrees Celsius, as written) and dtemp=, each with whether the line gave
 * it, or its .model card, whose instance words ngspice 39 (inpgmod.c) reads as the instances'
 * defaults (kh_inst_temp_defaults); without either, dtemp is 0. The instance's temperature in
 * kelvins is its temp, else the circuit's plus its dtemp (kh_inst_temp_kelvins). */
typedef struct {
  double temp, dtemp;
  int has_temp, has_dtemp;
} kh_inst_temp;
void kh_inst_temp_defaults(kh_inst_temp *t, const kh_model *m);
double kh_inst_temp_kelvins(const kh_inst_temp *t, const kh_netlist *nl);

/* A diode instance's words beyond its area (m=, temp=, dtemp=, pj=, w=, l=); the element's ctrl[1]
 * is its index + 1, or 0 for the defaults. */
typedef struct {
  double m;
  kh_inst_temp t;
  double pj; /* perimeter factor (scales JSW); has_pj 0: the model's PJ, else 0 */
  int has_pj;
  double w, l;  /* LEVEL=3 geometry (0: not given); either one makes AREA and PJ default to 1, 0 */
  int has_area; /* the area was given on the instance (positionally or area=) */
  /* self-heating (Dname n+ n- tj model ... thermal): the thermal node tj, whose voltage is the
   * junction's rise above its temperature in kelvins; RS then stays in the diode (no split) */
  uint32_t thermal_node;
  uint8_t has_thermal_node, thermal;
  uint8_t off; /* `off`: ngspice's first iterations hold the junction at 0 V */
} kh_diode_inst;

/* kh_elem.synthetic for POLY cards (poly.c): the card's own element or a linear part, and a
 * product term, an E whose ctrl[0] indexes nl->products */
enum { KH_SYNTHETIC_POLY = 6, KH_SYNTHETIC_PRODUCT = 7, KH_SYNTHETIC_SERIES = 8 };
/* ... and for a T line (tline.c): its sensing source, named as the line (written back as the T
 * card), and its other parts (never written) */
enum { KH_SYNTHETIC_TLINE = 9, KH_SYNTHETIC_TLINE_PART = 10 };
/* ... and for an XSPICE potentiometer (potentiometer.c): its resistor from r0 to the wiper, whose
 * ctrl[0] is the model (written back as the A card), and the one from r1 (never written) */
enum { KH_SYNTHETIC_POT = 11, KH_SYNTHETIC_POT_PART = 12 };
/* ... and for an XSPICE ilimit (ilimit.c): the B sources of its supplies' currents, after the
 * one of its output (which is written back as the A card) */
enum { KH_SYNTHETIC_ILIMIT_POS = 13, KH_SYNTHETIC_ILIMIT_NEG = 14 };
/* ... and an XSPICE memristor, a resistor whose ctrl[0] is its model (written back as its A card)
 */
enum { KH_SYNTHETIC_MEMRISTOR = 15 };
/* ... and an XSPICE pswitch's control port, the resistor r_cntl_in after its output's element
 * (which is written back as the A card: this one never is) */
enum { KH_SYNTHETIC_PSWITCH_CONTROL = 16 };
/* ... and the 0 V source of an XSPICE current input (%i, %id; xspice_ports.c), whose current the
 * A card's tree reads (never written: the A card writes the port) */
enum { KH_SYNTHETIC_XSPICE_INPUT = 17 };

/* A T line (tline.c): its sensing source's element index (its H, E and F follow it), and the
 * values of z0, td, f, nl, v1, i1, v2, i2 (given: bit k for the k-th, as written back). */
enum { KH_TLINE_WORDS = 8 };
typedef struct {
  uint32_t element;
  unsigned given;
  double value[KH_TLINE_WORDS];
  uint32_t model; /* an O line's LTRA model (ltra.c), a U line's URC model, else KH_NOT_FOUND */
  uint8_t lossy;  /* an O line */
  uint8_t rg;     /* an RG O line: its four parts the VCCS of its admittances (tline.c) */
  uint8_t rc;     /* a U line (urc.c): its one element a resistor, value[0] l=, value[1] n=, and
                   * its third node in `ground` */
  uint32_t ground;
} kh_tline;
/* Line whose sensing source is `element`, or NULL; the name of its k-th word. */
const kh_tline *kh_tline_at(const kh_netlist *nl, size_t element);
/* Whether an LTRA model's word is one of its flags, written alone (ltra.c). */
int kh_ltra_flag(const char *name);
const char *kh_tline_word(int k);
/* Each line's H gets GMIN z0 ohms (the circuit's GMIN, .options gmin=), once the options are
 * read. */
void kh_resolve_tlines(kh_netlist *nl);

/* A JFET instance (jfet.c): its drain and source as written (the element's own ends are inside
 * RD and RS), and its words beyond the area. A MESA MESFET's (mesa.c, mesa 1): its gate as
 * written too (the element's is inside RG), L and W, t its source side's temperature (temp: ts)
 * and td its drain side's (degrees Celsius, NAN: the circuit's plus dtemp). */
typedef struct {
  uint32_t drain, source, gate;
  double m;
  kh_inst_temp t;
  uint8_t off; /* `off` (kh_diode_inst) */
  uint8_t mesa;
  double l, w, td;
} kh_jfet_inst;

/* A BJT instance (bjt.c): its terminals as written (the element's own collector, base and emitter
 * are inside RC, RB and RE; the substrate is ground where the card has none), and its words
 * beyond the area (areab and areac already defaulted to it). */
typedef struct {
  uint32_t collector, base, emitter, substrate;
  uint32_t thermal; /* a VBIC's fifth node, its temperature rise (0: none) */
  double areab, areac, m;
  kh_inst_temp t;
  uint8_t off; /* `off` (kh_diode_inst) */
} kh_bjt_inst;

/* Whether a BJT model's base resistance is modulated by the current (RBM other than RB, or TRM1,
 * TRM2 other than TRB1, TRB2; bjt.c): the transistor then keeps it rather than a resistor. */
int kh_bjt_base_modulated(const kh_model *m);
/* Whether a BJT model is VBIC's, LEVEL 4 (vbic.c). */
int kh_vbic_model(const kh_model *m);

/* A MOSFET instance (mosfet.c): its terminals as written (the element's own drain and source are
 * inside RD and RS), and its geometry as given (before .options scale; `given` has bit k for
 * geo[k]). */
enum { KH_MOS_L, KH_MOS_W, KH_MOS_AD, KH_MOS_AS, KH_MOS_PD, KH_MOS_PS, KH_MOS_NRD, KH_MOS_NRS };
extern const char *const kh_mos_geometry_words[8];         /* "l", "w", ... "nrs" (mosfet.c) */
enum { KH_MOS_DELVTO = 10, KH_MOS_MULU0, KH_MOS_ACM_GEO }; /* BSIM3's words' bits in given */
enum { KH_MOS_NF = 13, KH_MOS_MIN, KH_MOS_GEOMOD };        /* BSIM4's words' bits in given */
/* BSIM4's instance words with a DC effect (bsim4.c): NF (1), MIN (0), GEOMOD (-1: the model's),
 * the stress effect's SA and SB (0) and SD (NaN: 2 DMCG), RBODYMOD (-1: the model's) and the body
 * resistances RBDB, RBSB, RBPB, RBPS, RBPD (NaN: the model's), the well proximity's SCA, SCB,
 * SCC and SC (NaN: not given), RGEOMOD, which kirchhoff refuses at values that count, and WNFLAG
 * (NaN: not given), which only chooses the bin (mosfet.c). */
typedef struct {
  double nf, min_sd, geomod, sa, sb, sd, rbodymod, rgeomod, wnflag;
  double rbody[5], sc[4];
} kh_mos_bsim4;
typedef struct {
  uint32_t drain, gate, source, bulk;
  double geo[8];
  unsigned given;
  double m;
  double delvto, mulu0, acm_geo; /* BSIM3's own (0, 1, 0 unless given) */
  kh_mos_bsim4 b4;
  kh_inst_temp t;
  uint8_t off; /* `off` (kh_diode_inst) */
  /* a VDMOS's nodes after its source (extra_nodes of them: `Mname d g s tj tc model` gives the
   * thermal nodes, `Mname d g s b model` one node the device leaves alone) and `thermal` */
  uint32_t tj, tc;
  uint8_t extra_nodes, thermal;
} kh_mos_inst;

int kh_is_vdmos(const kh_netlist *nl, const kh_elem *e); /* a VDMOS M card (vdmos.c) */
/* The VERSION text of a stored version code (bsim3.c; 3.3, 3.24, 3.23, 3.22, 3.2), as ngspice reads
 * it back to the same model and revision (its decimal would not: 3.3 prints as 3.2999...98, which
 * ngspice takes to BSIM3v32), or NULL for another value. */
const char *kh_bsim3_version_text(double code);
/* The VERSION text of a stored BSIM4 version code (bsim4.c): 4.82 as "4.8.2", 4.5 (BSIM4v5) as
 * "4.5", the rest as "4.8", each read back by ngspice 39 to the same model and defaults. */
const char *kh_bsim4_version_text(double code);
/* Whether a stored model is BSIM4 (bsim4.c: an NMOS or PMOS at LEVEL 14 or 54). */
int kh_bsim4_model(const kh_model *m);
/* sep and model m's parameter i as name=value (writer.c): the value as %.17g writes it, a BSIM3
 * VERSION as its text. */
void kh_write_model_word(FILE *out, const char *sep, const kh_model *m, size_t i);
/* `.model name type(...)` with every parameter m holds as kirchhoff reads it back: the last of a
 * name given twice, a code model's arrays in brackets and booleans as true or false, a table's
 * file by its path, a VDMOS's polarity and an LTRA's flags as words (writer.c). */
void kh_write_model_words(const kh_netlist *nl, const kh_model *m, FILE *out);

/* A POLY card's product term (poly.c): an E element (KH_SYNTHETIC_PRODUCT) whose ctrl[0] indexes
 * nl->products; its factors are factors[first, first + count). */
typedef struct {
  uint32_t pos, neg, power;
} kh_factor;
typedef struct {
  uint32_t first, count;
} kh_product;

/* K: a coupling of two inductors (no DC effect; kept to be written back, couplings.c). Names
 * flattened; the inductors are checked once the whole circuit is read. */
typedef struct {
  const char *name, *l1, *l2;
  double k;
  kh_loc loc;
} kh_coupling;

struct kh_netlist {
  kh_arena arena;
  char *title;
  int set_up_again; /* read for a .dc TEMP or resistor sweep's point (kh_netlist_set_up_again) */
  const char **files;
  size_t file_count;
  kh_strmap nodes; /* id 0 is ground, "0" */
  kh_strmap element_names;
  kh_elem *elements;
  size_t element_count, element_cap;
  kh_model *models;
  size_t model_count, model_cap;
  kh_strmap model_names;
  kh_option *options;
  size_t option_count, option_cap;
  kh_diode_inst *diode_inst;
  size_t diode_inst_count, diode_inst_cap;
  kh_jfet_inst *jfet_inst;
  size_t jfet_inst_count, jfet_inst_cap;
  kh_bjt_inst *bjt_inst;
  size_t bjt_inst_count, bjt_inst_cap;
  kh_mos_inst *mos_inst;
  size_t mos_inst_count, mos_inst_cap;
  kh_dc_sweep dc[2]; /* the .dc card (dc_count 0: none) */
  size_t dc_count;
  kh_loc dc_loc;
  kh_passive_temp *passive_temp;
  size_t passive_temp_count, passive_temp_cap;
  char **notes;
  size_t note_count;
  uint32_t control_blocks; /* .control blocks the deck held (skipped) */
  /* learning cards */
  kh_input_pair *inputs;
  size_t input_count, input_cap;
  double input_gain; /* 1 unless .input gain= says otherwise */
  kh_output *outputs;
  size_t output_count, output_cap;
  /* .nodeset: where Newton starts on circuits with several operating points (general.c) */
  kh_nodeset *nodesets;
  size_t nodeset_count, nodeset_cap;
  uint32_t *trainable;
  size_t trainable_count, trainable_cap;
  int has_bounds;
  double gmin, gmax;
  kh_amplifier *amplifiers;
  size_t amplifier_count;
  kh_coupling *couplings;
  size_t coupling_count, coupling_cap;
  kh_tline *tlines;
  size_t tline_count, tline_cap;
  kh_product *products;
  size_t product_count, product_cap;
  kh_factor *factors;
  size_t factor_count, factor_cap;
  struct kh_expression *expressions; /* B sources' (behavioural.c): an element's ctrl[0] */
  size_t expression_count, expression_cap;
  /* the tables of XSPICE table2d and table3d models (table_file.c), each read once: a model's
   * `file` parameter holds its index */
  const struct kh_grid **grids;
  size_t grid_count, grid_cap;
  size_t general_count, first_general; /* kh_netlist_general_count */
  /* .scale: how raw features become the x of .input (kh_netlist_scale) */
  int scale_kind; /* kh_netlist_scale_kind; 0: no card */
  double *scale_mean, *scale_inv_std;
  size_t scale_count;
};

/* The most controls a POLY card may have (its product terms' factors fit fixed arrays). */
#define KH_POLY_MAX_DIM 64
/* The powers of the POLY term after `powers` (d controls) in SPICE 2G6's order (poly.c). */
void kh_poly_next_powers(unsigned *powers, size_t d);
/* The K cards, one line each (writer.c, export.c). */
void kh_netlist_write_couplings(const kh_netlist *nl, FILE *out);
/* One element line; values overrides element values (or NULL); exporting = 1 writes input
 * sources as .param kh_in<f> expressions and diode areas as area= (netlist/export.c). */
void kh_netlist_write_element(const kh_netlist *nl, size_t i, FILE *out, kh_write_flavor flavor,
                              const double *values, int exporting);
/* The learning cards as *kh comments; scale_kind 0 writes the netlist's own .scale, otherwise
 * the given one. Returns -1 when out of memory. */
int kh_netlist_write_cards(const kh_netlist *nl, FILE *out, int scale_kind, size_t scale_count,
                           const double *scale_mean, const double *scale_inv_std);

/* ngspice's const.h: degrees Celsius to kelvins */
#define KH_CELSIUS_TO_KELVIN 273.15

/* A .model parameter's value, or fallback. */
double kh_model_value(const kh_model *m, const char *name, double fallback);
/* How many values an array word of a code model holds (one parameter per value, in order). */
size_t kh_model_array_size(const kh_model *m, const char *name);

/* Whether word `name` of an XSPICE code model of `type` is a boolean (xspice.c; the writer
 * writes it back as true or false). */
int kh_code_model_boolean(const char *type, const char *name);
/* Whether it is an array word (summer's in_gain, s_xfer's num_coeff, ...). */
int kh_code_model_array(const char *type, const char *name);
/* Whether word `name` of code model `type` is a table's file (its value the index of its grid in
 * the netlist's grids). */
int kh_code_model_file(const char *type, const char *name);
/* The first value of word `name` among a code model's params (an array's first), or absent
 * (xspice_models.c). */
double kh_param_first(const kh_model_param *params, size_t count, const char *name, double absent);
/* Whether a .model type is an XSPICE code model of kirchhoff's but gain (xspice.c). */
int kh_code_model_named(const char *type);

#endif
