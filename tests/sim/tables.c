/* XSPICE table2d and table3d (netlist/table_file.c, netlist/table_interp.c): the interpolated
 * output in closed form (bilinear and trilinear by hand, held at the axes' ends), its
 * derivatives against central differences, the file read where ngspice 39 finds it, every
 * reading ngspice would take otherwise than the file is written refused at its line and column,
 * and ngspice reading the deck kirchhoff writes for it (tests/data/compat/xspice_table* run both
 * programs on the same files). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* x: -1 0 2 4, y: 0 1 3 4 (order 3 needs 3 points on x and 4 on y) */
static const char grid2[] = "* f(x, y)\n4\n4\n-1 0 2 4\n0 1 3 4\n"
                            "1 2 3 4\n5 6 7 8\n0 0 2 -2\n1 1 1 1\n";
static const double xs[4] = {-1, 0, 2, 4}, ys[4] = {0, 1, 3, 4};
static const double fs[4][4] = {{1, 2, 3, 4}, {5, 6, 7, 8}, {0, 0, 2, -2}, {1, 1, 1, 1}};

/* grid2 at (x, y) by hand: the cell around it, each input held at its axis' ends. */
static double by_hand(double x, double y) {
  x = fmin(fmax(x, xs[0]), xs[3]), y = fmin(fmax(y, ys[0]), ys[3]);
  int i = 0, j = 0;
  while (i < 2 && x > xs[i + 1]) i++;
  while (j < 2 && y > ys[j + 1]) j++;
  double u = (x - xs[i]) / (xs[i + 1] - xs[i]), w = (y - ys[j]) / (ys[j + 1] - ys[j]);
  return (1 - u) * (1 - w) * fs[j][i] + u * (1 - w) * fs[j][i + 1] + (1 - u) * w * fs[j + 1][i] +
         u * w * fs[j + 1][i + 1];
}

static char *deck_at(double x, double y, const char *path) {
  char *deck = malloc(1024);
  snprintf(deck, 1024,
           "t\nvx x 0 %.17g\nvy y 0 %.17g\na1 x y %%v(o) tab\nro o 0 1k\n"
           ".model tab table2d (offset=0.25 gain=-3 file=\"%s\")\n",
           x, y, path);
  return deck;
}

Test(tables, table2d_is_bilinear_and_held_at_the_ends) {
  const char *path = kh_test_write_temp("grid2.table", grid2);
  static const double points[][2] = {{0.5, 0.5}, {-0.3, 3.7}, {3, 2},  {4, 4}, {-1, 0},
                                     {9, -5},    {-7, 2.5},   {1, 10}, {2, 1}, {0, 3}};
  for (size_t k = 0; k < sizeof points / sizeof *points; k++) {
    char *deck = deck_at(points[k][0], points[k][1], path);
    double got = kh_test_general_node(deck, "o"),
           want = 0.25 - 3 * by_hand(points[k][0], points[k][1]);
    cr_expect(fabs(got - want) <= 1e-14 * fmax(1, fabs(want)), "(%g, %g): %.17g, want %.17g",
              points[k][0], points[k][1], got, want);
    free(deck);
  }
}

/* A 3 x 2 x 2 table at (0.4, 0.25, 3.5): across x 0.4 of the way, y 0.625, z 0.7; by hand
 * 23.6075 (tests/data/compat/xspice_table3d.cir's a1, where ngspice 39 agrees). */
Test(tables, table3d_is_trilinear) {
  const char *path = kh_test_write_temp("grid3.table", "3\n2\n2\n0 1 3\n-1 1\n0 5\n0 1 2\n3 4 5\n"
                                                       "10 20 30\n40 50 60.5\n");
  char deck[512];
  snprintf(deck, sizeof deck,
           "t\nvx x 0 0.4\nvy y 0 0.25\nvz z 0 3.5\na1 x y z %%v(o) t3\nro o 0 1k\n"
           ".model t3 table3d (order=2 file=\"%s\")\n",
           path);
  double got = kh_test_general_node(deck, "o");
  cr_expect(fabs(got - 23.6075) <= 1e-13, "%.17g", got);
}

/* The gradient of the tree against central differences, inside cells (off their edges). */
Test(tables, derivatives_match_central_differences) {
  const char *path = kh_test_write_temp("grid2.table", grid2);
  char *deck = deck_at(0.5, 0.5, path);
  kh_netlist *nl = kh_test_parse(deck);
  free(deck);
  static const double points[][2] = {{0.5, 0.5}, {-0.3, 3.7}, {3.1, 2.2}, {1.7, 1.4}};
  kh_test_expect_gradient(nl, "a1", "x", points, 4);
  kh_netlist_free(nl);
}

/* A table whose reading ngspice 39 would take otherwise than it is written, each refused at the
 * table's line and column. */
Test(tables, a_table_read_otherwise_is_refused_at_its_line_and_column) {
  static const struct {
    const char *table, *message;
  } cases[] = {
      {"4\n4\n-1 0 2 4\n0 1 3 4\n1 2 3 4\n5 6 7 8\n0 0 2 -2\n1 1 1\n",
       "bad.table:8:1: row 4 of 4 holds fewer numbers"},
      {"4\n4\n-1 0 2 4\n0 1 3 4\n1 2 3 4\n5 6 7 8\n0 0 2 -2\n1 1 1 1 1\n",
       "bad.table:8:9: row 4 of 4 holds more numbers"},
      {"4\n4\n-1 0 2 4\n0 1 3 4\n1 2 3 4\n5 6 7 8\n0 0 2 -2\n", "the file ends before row 4"},
      {"4\n4\n-1 0 2 4\n0 1 3 4\n1 2 3 4\n5 6 7 8\n0 0 2 -2\n1 1 1 1\n2 2 2 2\n",
       "bad.table:9:1: more rows than the table's 4 (ngspice 39 writes them past its table)"},
      {"4\n4\n-1 0 2 4\n0 1 1 4\n1 2 3 4\n5 6 7 8\n0 0 2 -2\n1 1 1 1\n",
       "the y axis must ascend: 1 after 1"},
      {"4.5\n4\n", "bad.table:1:1: the x axis' number of points must be a whole number"},
      {"1\n4\n", "must be a whole number of 2 or more, got 1"},
      {"4 4\n", "bad.table:1:1: the x axis' number of points must stand alone on its line"},
      {" 4\n4\n", "must start its line"},
      {"4\n4\n-1 0 2 4\n0 1 3 4\n1 2 3 4\n5 6 nan 8\n", "bad.table:6:5: 'nan' is not a number"},
      {"4\n4\n-1 0 2 4\n0 1 3 4\n1 2 3 4\n5 6 1e999 8\n", "'1e999' is not a number"},
      {"4\n4\n-1 0 2 4\n0 1 3 4\n1 2 3 4\n\t\n5 6 7 8\n0 0 2 -2\n1 1 1 1\n",
       "bad.table:6:1: a line of blanks alone"},
      {"4000000\n4000000\n", "makes a table larger than the file could hold"},
      {"1e49\n4\n", "bad.table:1:1: the x axis' number of points makes a table larger"},
      {"", "bad.table:1:1: the file ends before the x axis' number of points"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    const char *path = kh_test_write_temp("bad.table", cases[k].table);
    char deck[512];
    snprintf(deck, sizeof deck,
             "t\nvx x 0 1\na1 x x %%v(o) tab\nro o 0 1k\n.model tab table2d (file=\"%s\")\n", path);
    const char *message = kh_test_parse_error(deck);
    cr_expect(strstr(message, cases[k].message), "case %zu: %s", k, message);
    cr_expect(strstr(message, ".cir:5:26: table file"), "case %zu: %s", k, message);
  }
}

/* Suffixes as cnv_get_spice_value reads them (any other letter scales by 1, as there), commas
 * and parentheses as blanks, comment lines and blank lines skipped: the table 1 2 / 3 4000 on
 * axes 0 1m and 0 1. */
Test(tables, numbers_and_lines_read_as_ngspice_reads_them) {
  const char *path = kh_test_write_temp("spelled.table", "* a comment\n\n2\n* and another\n2\n"
                                                         "0, 1mil\n(0) 1\n1 2V\n\n3 4k\n");
  char deck[512];
  snprintf(deck, sizeof deck,
           "t\nvx x 0 1\nvy y 0 1\na1 x y %%v(o) tab\nro o 0 1k\n"
           ".model tab table2d (order=2 file=\"%s\")\n",
           path);
  double got = kh_test_general_node(deck, "o");
  cr_expect(got == 4000, "f(1, 1) = %.17g, want 4000 (x held at 1 mil = 25.4u)", got);
}

/* ngspice 39's fopen_with_path: a relative name beside the deck first, then in
 * $NGSPICE_INPUT_DIR, then from the working directory; the name in lower case. */
Test(tables, the_file_is_found_where_ngspice_looks) {
  char deck_dir[128], other[128], deck[256], cmd[512];
  snprintf(deck_dir, sizeof deck_dir, "%s/decks", kh_test_temp_dir());
  snprintf(other, sizeof other, "%s/inputs", kh_test_temp_dir());
  mkdir(deck_dir, 0700), mkdir(other, 0700);
  static const char line[] = "t\nvx x 0 0.5\nvy y 0 0.5\na1 x y %v(o) tab\nro o 0 1k\n"
                             ".model tab table2d (file=\"Beside.Table\")\n.op\n.end\n";
  snprintf(deck, sizeof deck, "%s/deck.cir", deck_dir);
  FILE *f = fopen(deck, "w");
  fputs(line, f), fclose(f);
  /* only in $NGSPICE_INPUT_DIR */
  snprintf(cmd, sizeof cmd, "%s/beside.table", other);
  f = fopen(cmd, "w"), fputs(grid2, f), fclose(f);
  char *out;
  snprintf(cmd, sizeof cmd, "NGSPICE_INPUT_DIR=%s '%s' op '%s' 2>&1", other, kh_test_cli(), deck);
  cr_expect_eq(kh_test_run(cmd, &out), 0, "%s", out);
  double want = by_hand(0.5, 0.5); /* the deck's offset and gain are 0 and 1 */
  cr_expect(fabs(kh_test_number_after(out, "\no") - want) <= 1e-9, "%s", out);
  free(out);
  /* beside the deck it comes first: a table of 7s there */
  snprintf(cmd, sizeof cmd, "%s/beside.table", deck_dir);
  f = fopen(cmd, "w"), fputs("2\n2\n0 1\n0 1\n7 7\n7 7\n", f), fclose(f);
  /* order 3 needs 4 points on y: this one has 2, so order must come down */
  snprintf(cmd, sizeof cmd,
           "sed -i 's/(file=/(order=2 file=/' '%s' && NGSPICE_INPUT_DIR=%s '%s' op '%s' 2>&1", deck,
           other, kh_test_cli(), deck);
  cr_expect_eq(kh_test_run(cmd, &out), 0, "%s", out);
  cr_expect(fabs(kh_test_number_after(out, "\no") - 7) <= 1e-12, "%s", out);
  free(out);
}

/* Too high an order for the table's size: ngspice 39 cannot set up its derivative estimates and
 * crashes (measured on a 3 x 3 table at the default order 3). */
Test(tables, an_order_the_table_cannot_carry_is_refused) {
  const char *path = kh_test_write_temp("small.table", "3\n3\n0 1 2\n0 1 2\n1 2 3\n4 5 6\n7 8 9\n");
  char deck[512];
  snprintf(deck, sizeof deck,
           "t\nvx x 0 1\na1 x x %%v(o) tab\nro o 0 1k\n.model tab table2d (file=\"%s\")\n", path);
  cr_expect(
      strstr(kh_test_parse_error(deck), "order 3 needs 3 or more points on x and 4 or more on y"));
  snprintf(deck, sizeof deck,
           "t\nvx x 0 1\na1 x x %%v(o) tab\nro o 0 1k\n.model tab table2d (order=2 file=\"%s\")\n",
           path);
  cr_expect(fabs(kh_test_general_node(deck, "o") - 5) <= 1e-14); /* f(1, 1) */
}

/* The deck kirchhoff writes names the table by its full path: read back by kirchhoff, and by
 * ngspice 39 (libngspice, the tight tolerances of the agreement tests). */
Test(tables, the_written_deck_reads_the_same_table_in_both_programs) {
  const char *path = kh_test_write_temp("grid2.table", grid2);
  char deck[1024];
  snprintf(deck, sizeof deck,
           "t\nvx x 0 0.7\nvy y 0 2.2\na1 x y %%v(o) tab\nro o 0 1k\n"
           "a2 %%vd(x y) o %%id(p 0) tab\nrp p 0 10\n"
           ".model tab table2d (offset=0.25 gain=-3 file=\"%s\")\n",
           path);
  char *text = kh_test_written_back(deck);
  cr_expect(strstr(text, path), "%s", text);
  free(text);
  cr_expect_leq(kh_test_general_vs_ngspice(deck, 1e-9), 1e-9);
}
