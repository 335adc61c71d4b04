/* The device families' .model cards and element lines (private to netlist/): resistors,
 * capacitors and inductors, JFETs, MESFETs, MOSFETs (level 1 and BSIM3), BJTs (Gummel-Poon and
 * VBIC) and switches. Each family's file reads its cards with the parser's shared machinery
 * (parser.h). */
#ifndef KH_NETLIST_DEVICE_CARDS_H
#define KH_NETLIST_DEVICE_CARDS_H

#include "parser.h"

/* Each of the model's words (its default where not given) must be finite and above 0: else an
 * error at `at` naming it (elements.c; (the lengths, powers and factors ngspice's equations divide
 * by)). */
typedef struct {
  const char *name;
  double fallback;
} kh_model_default;
kh_status kh_check_positive(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m,
                            const kh_model_default *words, size_t count);

/* Resistors (resistor.c): an R model checked over tokens [from, to); an R line with more than
 * its value parsed into e->value (m and scale folded in) and its temperature dependence; the
 * temperature factor folded in once every card is read. */
kh_status kh_check_resistor_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                  size_t to);
const char *kh_resistor_param_canonical(const char *name);
kh_status kh_parse_resistor(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                            kh_elem *e, kh_passive_temp *rt);
/* An R, C or L line's value token right after its nodes in ngspice's LTspice mode, read as
 * resistor-code (rkm.c: 4k7): 1 with *st (KH_OK and *out, or the refusal) where the mode reads
 * the token so, 0 where it is read as in ngspice's own mode. */
int kh_rkm_value(kh_parser *p, uint32_t line, const kh_token *t, double *out, kh_status *st);
/* A D line of ngspice's LTspice mode whose model word names an ideal diode's card it rewrote as
 * sidiode (ltspice_diode.c): 1 with *st where the line is read (as the XSPICE sidiode ngspice
 * writes for it) or refused, 0 where it is a diode's line. */
int kh_ltspice_diode(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                     kh_status *st);
/* Whether the resistor line's element is one that the .dc card sweeps (top level, that name):
 * its written resistance is then *ohms. */
int kh_swept_resistor(kh_parser *p, const kh_token *name, const kh_scope *s, double *ohms);
kh_status kh_finish_resistors(kh_parser *p);
/* A resistor's, capacitor's or inductor's temperature dependence and geometry, where it has
 * one (a coefficient or a geometry given), stored for element e (its ctrl[1]), to be folded into
 * its value once every card is read. */
kh_status kh_keep_passive_temp(kh_parser *p, kh_elem *e, const kh_passive_temp *rt);
/* A resistor's or capacitor's factor 1 + tc1 dT + tc2 dT^2 (a resistor's tce: 1.01^(tce dT)), dT
 * from its tnom (the circuit's nominal temperature where not given) to its temp, else the
 * circuit's plus its dtemp (*kelvins); rounded as ngspice 39 computes it for a resistor (nested,
 * restemp.c) or a capacitor (captemp.c) as `resistor` says. */
double kh_passive_temperature_factor(const kh_netlist *nl, const kh_passive_temp *rt, int resistor,
                                     double *kelvins);
/* Its l and w (for KH_RT_GEOMETRY), each times .options scale where the instance gave it. */
void kh_passive_size(const kh_netlist *nl, const kh_passive_temp *rt, double *l, double *w);
/* Capacitors and inductors (reactive.c), as ngspice 39 reads them: a C or L model checked over
 * tokens [from, to) and its words stored under one name each; a C or L line (e->kind) parsed
 * into e->value (m and scale folded in) and its temperature dependence and geometry, folded in
 * once every card is read. */
kh_status kh_check_capacitor_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                   size_t to);
kh_status kh_check_inductor_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                  size_t to);
const char *kh_capacitor_param_canonical(const char *name);
kh_status kh_parse_reactive(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                            kh_elem *e, kh_passive_temp *ct);
kh_status kh_finish_reactive(kh_parser *p);
/* For an error at an unexpected word: " (an LTspice instance word: ...)" where t is one of
 * LTspice's (Rser=, Rpar=, Cpar=, ...), else "". */
const char *kh_ltspice_hint(const kh_token *t);
/* ngspice 39's floors, each noted: a resistance value of exactly 0 (on the line or as r=) is
 * 1 mOhm (resparam.c); without one, a model's R (*model_r, NAN for none) is used only above
 * 1 mOhm, else 1 mOhm (restemp.c's "resistance to low"). */
kh_status kh_zero_resistance(kh_parser *p, uint32_t line, const kh_token *name, double *r);
kh_status kh_ngspice_least_resistance(kh_parser *p, kh_loc loc, double *model_r);
/* JFETs (jfet.c): the .model NJF/PJF card's words, their stored names, and the J card. */
kh_status kh_check_jfet_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t to);
const char *kh_jfet_param_canonical(const char *name);
kh_status kh_jfet_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* A JFET's or MESFET's .model words (jfet.c): each one `find` knows (else refused, with what
 * PSpice means by it where `pspice` says), the instance defaults among them once; LEVEL 1, or 2
 * where word_level says which words belong to one level alone (1 or 2; 0: both). */
typedef struct {
  const char *device;
  const char *(*find)(const char *, size_t);
  const char *const *defaults;
  size_t count;
  const char *(*pspice)(const kh_token *);
  int (*word_level)(const char *canonical);
  const char *levels; /* the levels there are, for the refusal of another */
} kh_fet_model_words;
kh_status kh_check_fet_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                             size_t to, const kh_fet_model_words *w);
/* A J or Z card's drain, gate and source (into inst and e->ctrl[0]) and its model (e->model),
 * which must be of type types[0] or types[1]; device names the card in the messages (jfet.c). */
kh_status kh_fet_terminals(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                           const char *device, const char *const types[2], kh_jfet_inst *inst,
                           kh_elem *e);
/* A JFET's or MESFET's element (jfet.c), its instance stored, with RD and RS of its model as
 * resistors divided by scale (the area, times m for a JFET; m for a MESA MESFET, whose RG too). */
kh_status kh_fet_element(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                         kh_elem e, const kh_jfet_inst *inst, double scale);
/* MESFETs (mesfet.c): a .model NMF or PMF card's words, and a Z card (a KH_JFET element). */
kh_status kh_check_mesfet_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t to);
const char *kh_mesfet_param_canonical(const char *name);
kh_status kh_mesfet_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* MESA MESFETs (mesa.c, a .model NMF of LEVEL 2, 3 or 4): the card's words (kh_mesfet.c hands
 * them over), their one name each (NULL for a word not of the device) and the Z card. */
kh_status kh_check_mesa_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t to);
const char *kh_mesa_param_canonical(const char *name);
kh_status kh_mesa_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* Level-1 MOSFETs (mosfet.c): the same for .model NMOS/PMOS and the M card. */
kh_status kh_check_mos_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                             size_t to);
const char *kh_mos_param_canonical(const char *name);
/* BSIM3 v3.3 cards (bsim3.c): whether the card's words [from, to) give LEVEL 8 or 49; their
 * check (kh_check_mos_model hands them over); and their reader (VERSION checked and left out,
 * aliases folded). */
int kh_bsim3_card(const kh_tokens *tok, size_t from, size_t to);
/* A MOSFET card's LEVEL as ngspice reads it, a number (1 where none is given; NAN where it is
 * not a number: an expression, a name). */
double kh_mos_card_level(const kh_tokens *tok, size_t from, size_t to);
/* ngspice 39's model binning (inpgmod.c's INPgetModBin), for an instance whose model `name` is
 * no model: the first BSIM3 model, in the order defined, named name.N (N digits) whose LMIN,
 * LMAX, WMIN and WMAX (all four given) hold l and w (the instance's own, times .options scale),
 * ends included (measured); KH_NOT_FOUND for none. */
uint32_t kh_bsim3_bin(const kh_netlist *nl, const kh_token *name, double l, double w);
/* The first bin name.N set aside unread (kh_read_model_or_hold), or KH_NOT_FOUND. */
uint32_t kh_bsim3_held_bin(const kh_netlist *nl, const kh_token *name);
/* Whether some model is named name.N (N digits): bins the instance's L and W missed. */
int kh_bsim3_has_bins(const kh_netlist *nl, const kh_token *name);
kh_status kh_check_bsim3_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t to);
kh_status kh_bsim3_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t end, kh_model_param **out, size_t *count);
kh_status kh_mosfet_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* BJTs (bjt.c): the same for .model NPN/PNP and the Q card. */
kh_status kh_check_bjt_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                             size_t to);
const char *kh_bjt_param_canonical(const char *name);
kh_status kh_bjt_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* VBIC (vbic.c): whether a BJT card's words [from, to) give LEVEL 4; the card's check, reader
 * (aliases folded) and the values an instance needs. */
int kh_vbic_card(const kh_tokens *tok, size_t from, size_t to);
kh_status kh_check_vbic_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t to);
kh_status kh_vbic_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t end, kh_model_param **out, size_t *count);
kh_status kh_vbic_check_values(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m);
/* Voltage-controlled switches (switch.c): the same for .model SW and the S card. */
kh_status kh_check_switch_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t to);
const char *kh_switch_param_canonical(const char *name);
kh_status kh_switch_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
#endif
