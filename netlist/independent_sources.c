/* Independent sources, V and I cards (their DC value, AC and distortion words, transient
 * waveforms' DC values, RF ports), as ngspice 39 reads them. */
#include "parser.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *kh_ltspice_hint(const kh_token *t) {
  static const char *const words[] = {"rser", "rpar", "cpar", "lser", "rlser", "ipk"};
  for (size_t k = 0; k < sizeof words / sizeof *words; k++)
    if (kh_token_eq(t, words[k]))
      return " (an LTspice instance word: ngspice 39 stops on it too, as an unknown parameter; "
             "write the element it stands for, a resistor in series, say)";
  return "";
}

/* Which small-signal word t is, as a bit (each may appear once): 0 for anything else. */
static int small_signal_word(const kh_token *t) {
  return kh_token_eq(t, "ac")        ? 1
         : kh_token_eq(t, "distof1") ? 2
         : kh_token_eq(t, "distof2") ? 4
                                     : 0;
}

/* A source's `ac [=] mag [phase]` or distortion input `distof1|distof2 [mag [phase]]`, from token
 * i (the word): evaluated for its errors, noted as ignored; returns the index after it. */
static kh_status small_signal_spec(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                   const kh_scope *s, size_t *i) {
  const kh_token *t = tok->items;
  size_t n = tok->count;
  kh_loc loc = kh_token_loc(p, line, &t[*i]);
  int ac = kh_token_eq(&t[*i], "ac");
  (*i)++;
  if (*i < n && kh_token_eq(&t[*i], "=")) (*i)++;
  if (ac && *i < n && kh_token_name(&t[*i]) && !kh_source_word(&t[*i]))
    /* inpcom.c writes `ac ( 1 0 )` where no number follows `ac`, and the name after it then
     * makes a third value, where ngspice stops (measured) */
    return kh_token_fail(p, line, &t[*i],
                         "'%.*s' after 'ac': ngspice 39 reads 'ac' without a number as 'ac 1 0' "
                         "and stops at the name; write {%.*s}",
                         (int)t[*i].len, t[*i].s, (int)t[*i].len, t[*i].s);
  for (size_t k = 0; k < 2 && *i < n && !kh_source_word(&t[*i]) &&
                     !(*i + 1 < n && kh_token_eq(&t[*i + 1], "=")); /* m=, z0= */
       k++, (*i)++) {
    double ignored; /* the magnitude, then an optional phase */
    kh_status st = kh_source_value(p, line, &t[*i], s, &ignored);
    if (st != KH_OK) return st;
  }
  return kh_source_note(p->ctx, &p->src, loc, "%s ignored (DC analysis)",
                        ac ? "AC specification" : "distortion input");
}

/* An RF port (portnum N [z0 Z], ngspice 39): the source sits on an internal node "<name>#res"
 * behind a resistor "res#<name>" of Z ohms (50 by default) from n+, the node ngspice names the
 * same way. Marked synthetic like a diode's RS: kirchhoff's own text writes the source back on
 * n+ with its portnum and z0, ngspice's gets the two elements as they are. */
static kh_status port_source(kh_parser *p, uint32_t line, const kh_token *name_tok,
                             const kh_scope *s, kh_elem e, double z0, uint32_t port) {
  uint32_t v;
  kh_status st = kh_add_behind_resistor(p, line, name_tok, s, e, "res", z0, (uint8_t[]){4, 5}, &v);
  if (st == KH_OK) p->nl->elements[v].ctrl[1] = port;
  return st;
}

/* An RF port's word at tok[*i] (port_word) and its value, `=` optional: portnum, or z0 in
 * series (port_source); pwr and freq drive .sp's large-signal source and leave the operating
 * point as it is (measured, ngspice 39). *z0_at: the first word that needs portnum. */
static kh_status port_value(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                            size_t *i, double *port, double *z0, const kh_token **z0_at) {
  const kh_token *t = tok->items;
  double v;
  size_t at = *i + 1 + (kh_token_eq(&t[*i + 1], "=") && *i + 2 < tok->count);
  kh_status st = kh_source_value(p, line, &t[at], s, &v);
  if (st != KH_OK) return st;
  if (kh_token_eq(&t[*i], "portnum"))
    *port = v;
  else if (!*z0_at || kh_token_eq(&t[*i], "z0"))
    *z0_at = &t[at];
  if (kh_token_eq(&t[*i], "z0")) *z0 = v;
  *i = at + 1;
  return KH_OK;
}

/* A source's DC value at tok[*i]: bare, `dc value`, `dc=value` or `dc = value`. A `dc` without a
 * number after it (at the end, or before another word) is DC 0, as ngspice 39 reads it: its
 * INPgetValue ignores the failed number, and the source's DC value is given (`dc sin(1 1 1k)`
 * holds 0, not the sine's 1; measured). */
static kh_status dc_value(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                          size_t *i, double *value) {
  const kh_token *t = tok->items;
  size_t n = tok->count;
  if (kh_token_eq(&t[*i], "dc")) {
    (*i)++;
    if (*i < n && kh_token_eq(&t[*i], "=")) (*i)++;
    if (*i >= n || kh_source_word(&t[*i]) || (*i + 1 < n && kh_token_eq(&t[*i + 1], "="))) {
      *value = 0;
      return KH_OK;
    }
  }
  return kh_source_value(p, line, &t[(*i)++], s, value);
}

/* An ammeter written without a value ("Vmeas 4 2"): ngspice 39 takes DC 0, with a note. */
static kh_status no_value(kh_parser *p, uint32_t line, const kh_token *name) {
  return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, name),
                        "'%.*s' has no value: DC 0 assumed, as ngspice 39 does", (int)name->len,
                        name->s);
}

/* V, I: name n+ n- followed, in any order ngspice accepts, by the DC value (bare, `dc value`,
 * `dc=value`, `dc = value`) and an AC specification (`ac mag [phase]`, `ac=mag`). Without a DC
 * value (only AC, or nothing at all) the DC value is 0, as in ngspice. As ngspice 39's inp2v.c
 * reads them: a bare value only right after the nodes (elsewhere ngspice fails), `dc` as often as
 * given, the last one winning, and a bare value winning over every `dc` (ngspice sets it after the
 * words). */
kh_status kh_source_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  kh_element_kind kind = tok->items[0].s[0] == 'v' ? KH_VSOURCE : KH_ISOURCE;
  const kh_token *t = tok->items;
  size_t n = tok->count, i = 3;
  if (n < 3)
    return kh_token_fail(p, line, &t[n - 1], "'%.*s' needs two nodes and a DC value", (int)t[0].len,
                         t[0].s);
  kh_elem e = {.kind = (uint8_t)kind, .model = KH_NOT_FOUND};
  kh_status st = kh_resolve_node(p, line, s, &t[1], &e.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &e.node[1]);
  if (st != KH_OK) return st;
  if (n == 3 && (st = no_value(p, line, &t[0])) != KH_OK) return st;
  int have_dc = 0, lead = 0, have_small_signal = 0, have_wave = 0;
  double port = 0, z0 = 50; /* ngspice's default port impedance */
  const kh_token *z0_at = NULL;
  double at_zero = 0; /* a waveform's value at t = 0: the DC value when none is given */
  double copies = 1;  /* a current source's m=: parallel copies, any real number as in ngspice */
  kh_loc wave_loc = {0, 0, 0};
  while (i < n) {
    if (small_signal_word(&t[i]) & ~have_small_signal) {
      have_small_signal |= small_signal_word(&t[i]);
      if ((st = small_signal_spec(p, line, tok, s, &i)) != KH_OK) return st;
      continue;
    }
    if (kh_waveform_name(&t[i]) && !have_wave) {
      have_wave = 1;
      wave_loc = kh_token_loc(p, line, &t[i]);
      if ((st = kh_parse_waveform(p, line, tok, s, &i, &at_zero)) != KH_OK) return st;
      continue;
    }
    if (kh_port_word(&t[i]) && kind == KH_VSOURCE && i + 1 < n) {
      if ((st = port_value(p, line, tok, s, &i, &port, &z0, &z0_at)) != KH_OK) return st;
      continue;
    }
    if (kh_token_eq(&t[i], "m") && i + 2 < n && kh_token_eq(&t[i + 1], "=")) {
      if (kind != KH_ISOURCE)
        return kh_token_fail(p, line, &t[i], "m= on a voltage source, which ngspice 39 fails on");
      if ((st = kh_source_value(p, line, &t[i + 2], s, &copies)) != KH_OK) return st;
      i += 3; /* the last one given wins, as in ngspice */
      continue;
    }
    if (i == 3 || kh_token_eq(&t[i], "dc")) {
      double v;
      int bare = !kh_token_eq(&t[i], "dc");
      if ((st = dc_value(p, line, tok, s, &i, &v)) != KH_OK) return st;
      e.value = bare || !lead ? v : e.value, have_dc = 1, lead |= bare;
      continue;
    }
    if (!kh_token_name(&t[i]))
      return kh_token_fail(p, line, &t[i],
                           "a bare value that does not follow the nodes, which ngspice 39 fails "
                           "on: write 'dc %.*s' or put the value right after the nodes",
                           (int)t[i].len, t[i].s);
    break;
  }
  if (i < n)
    return kh_token_fail(p, line, &t[i], "unexpected '%.*s' in source '%.*s'%s", (int)t[i].len,
                         t[i].s, (int)t[0].len, t[0].s, kh_ltspice_hint(&t[i]));
  if (!have_dc) e.value = at_zero;
  if (kind == KH_ISOURCE) { /* and an X line's m= */
    e.multiplier = copies * kh_scope_multiplier(s);
    e.value *= e.multiplier;
  }
  if (have_wave &&
      (st = kh_source_note(p->ctx, &p->src, wave_loc,
                           "transient specification: the DC operating point uses %s "
                           "(%g), as ngspice does",
                           have_dc ? "the DC value" : "its value at t = 0", e.value)) != KH_OK)
    return st;
  if (z0_at && !(port >= 1))
    return kh_token_fail(p, line, z0_at, "z0, pwr and freq need portnum (an RF port)");
  if (port >= 1) {
    if (!(z0 > 0) || !isfinite(z0) || port != floor(port) || port > 1e6)
      return kh_token_fail(p, line, z0_at ? z0_at : &t[0],
                           "an RF port needs a whole portnum >= 1 and z0 > 0 ohms");
    return port_source(p, line, &t[0], s, e, z0, (uint32_t)port);
  }
  return kh_add_element(p, line, &t[0], s, e);
}
