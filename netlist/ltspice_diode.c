/* A D line naming LTspice's ideal diode in ngspice 39's LTspice mode (inpcom.c's ltspice_compat,
 * read there): the mode rewrites the card `.model NAME d(ron=... vfwd=...)` as `.model aNAME
 * sidiode(...)` (ltspice.c), and, in the same rewritten file, each line `Dx n+ n- NAME` whose
 * NAME is such a card of its own subcircuit or of the top level as `aDx n+ n- aNAME`, an XSPICE
 * sidiode. ngspice decides that after scanning the whole file; kirchhoff at the D line's model,
 * once every card is read. */
#include "device_cards.h"
#include "parser.h"

#include <stdio.h>
#include <string.h>

/* Whether model `id` is an ideal diode's card the mode rewrote (its name where one was). */
static int rewritten_ideal(const kh_parser *p, uint32_t id) {
  const kh_model *m = &p->nl->models[id];
  if (strcmp(m->type, "sidiode")) return 0;
  const kh_pspice_state *ps = &p->src.pspice;
  for (size_t k = 0; k < ps->ideal_count; k++)
    if (ps->ideal[k].file == m->loc.file && ps->ideal[k].line == m->loc.line &&
        ps->ideal[k].col == m->loc.col)
      return 1;
  return 0;
}

/* Whether definition `def` holds another: ngspice's scan then takes the last .subckt line it saw
 * for the D line's subcircuit, not the D line's own. */
static int holds_definitions(const kh_parser *p, const kh_subckt *def) {
  for (size_t k = 0; k < p->subckt_count; k++)
    if (p->subckts[k].parent != KH_NOT_FOUND && &p->subckts[p->subckts[k].parent] == def) return 1;
  return 0;
}

int kh_ltspice_diode(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                     kh_status *st) {
  const kh_token *t = tok->items;
  if (!(p->src.compat & KH_COMPAT_LT) || !p->src.pspice.ideal_count || tok->count < 4) return 0;
  char name[260], model[260];
  int nn = snprintf(name, sizeof name, "a%.*s", (int)t[0].len, t[0].s);
  int mn = snprintf(model, sizeof model, "a%.*s", (int)t[3].len, t[3].s);
  if (nn >= (int)sizeof name || mn >= (int)sizeof model) return 0;
  kh_token words[4] = {{name, (uint32_t)nn, t[0].off}, t[1], t[2], {model, (uint32_t)mn, t[3].off}};
  uint32_t id = kh_find_model(p, s, &words[3]);
  if (id == KH_NOT_FOUND || !rewritten_ideal(p, id)) return 0;
  const kh_subckt *def = s ? s->def : NULL;
  if (!kh_source_pspice_line(&p->src, line))
    *st = kh_token_fail(p, line, &t[3],
                        "'%.*s' is LTspice's ideal diode, which ngspice's LTspice mode renames "
                        "'%s' (an XSPICE sidiode) where it rewrites the file; this line's file "
                        "it does not rewrite, so ngspice finds no model '%.*s' (set ngbehavior "
                        "to lta to rewrite the whole deck)",
                        (int)t[3].len, t[3].s, model, (int)t[3].len, t[3].s);
  else if (def && (def->parent != KH_NOT_FOUND || holds_definitions(p, def)))
    *st = kh_token_fail(p, line, &t[3],
                        "an LTspice ideal diode in nested subcircuits: ngspice's LTspice mode "
                        "looks its card up by the last .subckt line it read, not by the D line's "
                        "own, so kirchhoff does not read it");
  else if (tok->count > 4)
    *st = kh_token_fail(p, line, &t[4],
                        "words after an LTspice ideal diode's model, which ngspice's LTspice mode "
                        "drops (it writes the line as the XSPICE sidiode '%s'): remove them",
                        name);
  else
    *st = kh_xspice_card(p, line, &(kh_tokens){words, 4, 4}, s);
  return 1;
}
