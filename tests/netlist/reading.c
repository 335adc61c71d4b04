/* Reading netlist files: .include where ngspice looks for it, files read in chunks, and top-level
 * element lines flattened while the file streams in (split from structure.c). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(reading, include_is_relative_to_the_including_file) {
  kh_test_write_temp("part.inc", "r2 mid 0 1k\n");
  const char *top =
      kh_test_write_temp("top.cir", "t\n.include part.inc\nr1 in mid 1k\nv1 in 0 2\n");
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *nl = NULL;
  cr_assert_eq(kh_netlist_parse_file(ctx, &nl, top), KH_OK, "%s", kh_last_error(ctx));
  kh_element r2 = kh_netlist_element(nl, kh_test_element(nl, "r2"));
  cr_assert(strstr(r2.file, "part.inc"));
  cr_assert_eq(r2.line, 1);
  kh_netlist_free(nl);
  kh_context_free(ctx);
}

/* A leading ~ is the home directory, as ngspice expands it (measured: `.include ~/m.lib`). */
Test(reading, include_expands_the_home_directory) {
  const char *lib = kh_test_write_temp("home_part.inc", "r2 mid 0 1k\n");
  char home[512];
  snprintf(home, sizeof home, "%s", lib);
  *strrchr(home, '/') = '\0';
  cr_assert_eq(setenv("HOME", home, 1), 0);
  kh_netlist *nl = kh_test_parse("t\n.include ~/home_part.inc\nr1 in mid 1k\nv1 in 0 2\n");
  cr_expect(strstr(kh_netlist_element(nl, kh_test_element(nl, "r2")).file, "home_part.inc"));
  kh_netlist_free(nl);
}

/* A relative .include is looked for in the working directory first, then beside the including
 * file, as ngspice 39's inp_pathresolve_at does (measured: with m.lib in both, ngspice reads the
 * working directory's); kirchhoff says which one it read where both are there. */
Test(reading, include_looks_in_the_working_directory_first) {
  const char *top = kh_test_write_temp("cwd_top.cir", "");
  char dir[512], sub[600];
  snprintf(dir, sizeof dir, "%s", top);
  *strrchr(dir, '/') = '\0';
  snprintf(sub, sizeof sub, "%s/sub", dir);
  cr_assert(mkdir(sub, 0700) == 0 || errno == EEXIST);
  kh_test_write_temp("sub/top.cir", "t\n.include cwd_part.inc\nr1 in mid 1k\nv1 in 0 2\n");
  kh_test_write_temp("sub/cwd_part.inc", "r2 mid 0 1k\n");
  cr_assert_eq(chdir(dir), 0);
  for (int in_cwd = 0; in_cwd < 2; in_cwd++) {
    if (in_cwd) kh_test_write_temp("cwd_part.inc", "r2 mid 0 2k\n");
    kh_context *ctx;
    kh_context_new(&ctx);
    kh_netlist *nl = NULL;
    cr_assert_eq(kh_netlist_parse_file(ctx, &nl, "sub/top.cir"), KH_OK, "%s", kh_last_error(ctx));
    cr_expect_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r2")).value,
                       in_cwd ? 2000 : 1000, 0);
    int noted = 0;
    for (size_t i = 0; i < kh_netlist_note_count(nl); i++)
      noted |= strstr(kh_netlist_note(nl, i), "read from the working directory") != NULL;
    cr_expect_eq(noted, in_cwd);
    kh_netlist_free(nl);
    kh_context_free(ctx);
  }
}

Test(reading, include_cycles_and_devices_are_refused) {
  kh_test_write_temp("a.inc", "r1 a 0 1k\n.include b.inc\n");
  kh_test_write_temp("b.inc", "r2 a 0 1k\n.include a.inc\n");
  const char *top = kh_test_write_temp("cycle.cir", "t\n.include a.inc\nv1 a 0 1\n");
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *nl = NULL;
  cr_assert_eq(kh_netlist_parse_file(ctx, &nl, top), KH_ERR_INPUT);
  cr_assert(strstr(kh_last_error(ctx), "b.inc:2:1: include cycle"), "%s", kh_last_error(ctx));
  const char *dev = kh_test_write_temp("dev.cir", "t\n.include /dev/zero\n");
  cr_assert_eq(kh_netlist_parse_file(ctx, &nl, dev), KH_ERR_INPUT);
  cr_assert(strstr(kh_last_error(ctx), "dev.cir:2:1: cannot include '/dev/zero': not a regular"),
            "%s", kh_last_error(ctx));
  cr_assert_eq(kh_netlist_parse_file(ctx, &nl, "/dev/zero"), KH_ERR_INPUT);
  cr_assert_eq(kh_netlist_parse_file(ctx, &nl, "/nonexistent/x.cir"), KH_ERR_IO);
  kh_context_free(ctx);
}

/* The canonical text of a generated MNIST network lists every trainable element by name on its
 * .train card (1.6 million for DRN-1H). A plain name must cost one lookup, not a scan of all
 * elements: 100,000 names parse in a fraction of a second, where the scan took 45 s. */
Test(reading, a_train_card_of_many_names_parses_in_linear_time, .timeout = 15) {
  enum { N = 100000 };
  size_t cap = (size_t)N * 64 + 256, used = 0;
  char *text = malloc(cap);
  used += (size_t)snprintf(text + used, cap - used, "many\nv1 a 0 1\n");
  for (int i = 0; i < N; i++)
    used += (size_t)snprintf(text + used, cap - used, "r%d a n%d 1k\nrg%d n%d 0 1k\n", i, i, i, i);
  used += (size_t)snprintf(text + used, cap - used, "*kh .train");
  for (int i = 0; i < N; i++) used += (size_t)snprintf(text + used, cap - used, " r%d", i);
  used += (size_t)snprintf(text + used, cap - used, " rg1*\n.end\n");
  kh_netlist *nl = kh_test_parse(text);
  /* r0..r99999 by name, then rg1, rg10.., rg1xxxx by the pattern */
  cr_expect_eq(kh_netlist_trainable_count(nl), N + 1 + 10 + 100 + 1000 + 10000);
  cr_expect_str_eq(kh_netlist_element(nl, kh_netlist_trainable(nl, N - 1)).name, "r99999");
  kh_netlist_free(nl);
  free(text);
}

/* Files are read 64 KiB at a time: lines that straddle two reads, a comment longer than a
 * read, CRLF endings and a last line without a newline must give what the same text parsed
 * from memory gives, element by element and location by location. */
Test(reading, files_read_in_chunks_match_the_text_in_memory) {
  enum { N = 90000, LONG = 1500000 };
  size_t cap = (size_t)N * 64 + LONG + 256, used = 0;
  char *text = malloc(cap);
  used += (size_t)snprintf(text + used, cap - used, "chunks\r\n*");
  memset(text + used, 'x', LONG);
  used += LONG;
  used += (size_t)snprintf(text + used, cap - used, "\r\n");
  for (int i = 0; i < N; i++)
    used += (size_t)snprintf(text + used, cap - used, "r%d a n%d\r\n+ %d.5k\r\nrg%d n%d 0 1k\r\n",
                             i, i, i + 1, i, i);
  used += (size_t)snprintf(text + used, cap - used, "v1 a 0 1");
  kh_netlist *from_text = kh_test_parse(text);
  char path[4096];
  snprintf(path, sizeof path, "%s", kh_test_write_temp("chunks.cir", text));
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *from_file = NULL;
  cr_assert_eq(kh_netlist_parse_file(ctx, &from_file, path), KH_OK, "%s", kh_last_error(ctx));
  size_t count = kh_netlist_element_count(from_text);
  cr_assert_eq(count, 2 * N + 1);
  cr_assert_eq(kh_netlist_element_count(from_file), count);
  for (size_t i = 0; i < count; i++) {
    kh_element a = kh_netlist_element(from_text, i), b = kh_netlist_element(from_file, i);
    cr_assert_str_eq(a.name, b.name);
    cr_assert(a.value == b.value && a.line == b.line && a.col == b.col, "%s: %g %u:%u vs %g %u:%u",
              a.name, a.value, a.line, a.col, b.value, b.line, b.col);
  }
  kh_element last = kh_netlist_element(from_file, kh_test_element(from_file, "v1"));
  cr_assert_eq(last.line, 3 * N + 3);
  cr_assert_float_eq(kh_netlist_element(from_file, kh_test_element(from_file, "r89999")).value,
                     90000.5e3, 0);
  kh_netlist_free(from_text);
  kh_netlist_free(from_file);
  kh_context_free(ctx);
  free(text);
}

/* Builds a netlist of `blocks` repetitions of every kind of line the streaming parser meets
 * (R, C, V, I and D lines, continuations, comments, a .param, a subcircuit and its instances);
 * `first` is the first element line after the title. */
static char *mixed_netlist(const char *first, int blocks) {
  size_t cap = (size_t)blocks * 400 + 1024, used = 0;
  char *text = malloc(cap);
  used += (size_t)snprintf(text + used, cap - used,
                           "mixed\n%s\n.model dm d(is=1e-14 n=1.5)\nvin in 0 dc 1\n", first);
  for (int i = 0; i < blocks; i++) {
    used += (size_t)snprintf(text + used, cap - used,
                             "r%d in m%d %d.25k\n* comment\nc%d m%d 0\n+ 1p\nd%d m%d 0 dm\n"
                             "i%d 0 m%d 1u\n",
                             i, i, i + 1, i, i, i, i, i, i);
    if (i % 37 == 5)
      used += (size_t)snprintf(text + used, cap - used,
                               ".param p%d=%d\n.subckt s%d a b\nrs a b 1k\n.ends\nx%d m%d 0 s%d\n",
                               i, i, i, i, i, i);
  }
  return text;
}

/* Element lines at the top of a file are flattened while the file is read and their text
 * dropped; a first line with braces makes every line wait for the whole file, as before.
 * Both must give the same elements, nodes and locations. */
Test(reading, streamed_lines_match_lines_that_wait_for_the_whole_file) {
  enum { BLOCKS = 300 };
  char *streamed_text = mixed_netlist("rfirst in 0 2k", BLOCKS);
  char *held_text = mixed_netlist("rfirst in 0 {2k}", BLOCKS);
  kh_netlist *streamed = kh_test_parse(streamed_text), *held = kh_test_parse(held_text);
  size_t count = kh_netlist_element_count(held);
  cr_assert_eq(count, 2 + 4 * BLOCKS + (BLOCKS + 31) / 37); /* x instances: one rs each */
  cr_assert_eq(kh_netlist_element_count(streamed), count);
  cr_assert_eq(kh_netlist_node_count(streamed), kh_netlist_node_count(held));
  for (size_t i = 0; i < kh_netlist_node_count(held); i++)
    cr_assert_str_eq(kh_netlist_node_name(streamed, i), kh_netlist_node_name(held, i));
  for (size_t i = 0; i < count; i++) {
    kh_element a = kh_netlist_element(streamed, i), b = kh_netlist_element(held, i);
    cr_assert_str_eq(a.name, b.name);
    cr_assert(a.kind == b.kind && a.node_pos == b.node_pos && a.node_neg == b.node_neg &&
                  a.value == b.value && a.line == b.line && a.col == b.col,
              "%s: %g at %u:%u vs %g at %u:%u", a.name, a.value, a.line, a.col, b.value, b.line,
              b.col);
  }
  kh_element c = kh_netlist_element(streamed, kh_test_element(streamed, "c299"));
  cr_assert(c.value == 1e-12 && c.col == 1);
  cr_assert_str_eq(kh_netlist_element(streamed, kh_test_element(streamed, "d150")).model, "dm");
  kh_netlist_free(streamed);
  kh_netlist_free(held);
  free(streamed_text);
  free(held_text);
}

/* A streamed line that names a parameter or a model defined further down waits for it; the
 * elements keep the file's order. The deferral falls in the middle of a batch. */
Test(reading, lines_that_need_later_definitions_wait_for_them) {
  kh_netlist *nl = kh_test_parse("t\nv1 a 0 1\nr1 a b rv\nr2 b 0 1k\nd1 b 0 dm\n.param rv=2k\n"
                                 ".model dm d(is=1e-14)\n");
  cr_assert_eq(kh_netlist_element_count(nl), 4);
  const char *order[] = {"v1", "r1", "r2", "d1"};
  for (size_t i = 0; i < 4; i++) cr_assert_str_eq(kh_netlist_element(nl, i).name, order[i]);
  cr_assert_float_eq(kh_netlist_element(nl, 1).value, 2000, 0);
  cr_assert_str_eq(kh_netlist_node_name(nl, 1), "a");
  cr_assert_str_eq(kh_netlist_node_name(nl, 2), "b");
  kh_netlist_free(nl);

  enum { N = 200, LATE = 90 };
  size_t cap = N * 32 + 64, used = 0;
  char *text = malloc(cap);
  used += (size_t)snprintf(text + used, cap - used, "t\n");
  for (int i = 0; i < N; i++)
    used += i == LATE ? (size_t)snprintf(text + used, cap - used, "r%d n%d 0 later\n", i, i)
                      : (size_t)snprintf(text + used, cap - used, "r%d n%d 0 %d\n", i, i, i + 1);
  used += (size_t)snprintf(text + used, cap - used, ".param later=7\n");
  nl = kh_test_parse(text);
  cr_assert_eq(kh_netlist_element_count(nl), N);
  for (size_t i = 0; i < N; i++) {
    kh_element e = kh_netlist_element(nl, i);
    char name[16];
    snprintf(name, sizeof name, "r%zu", i);
    cr_assert_str_eq(e.name, name);
    cr_assert_eq(e.line, i + 2);
    /* `later` as ngspice reads numparam's " 7.000000000000000e+00": 7.000000000000001 */
    cr_assert_float_eq(e.value, i == LATE ? 7.000000000000001 : (double)i + 1, 0);
  }
  kh_netlist_free(nl);
  free(text);
}

/* Errors in lines flattened while streaming point at their own line, and a duplicate name
 * points back at a line whose text is long gone. */
Test(reading, streamed_lines_report_exact_locations) {
  enum { N = 300 };
  size_t cap = N * 32 + 64;
  char *text = malloc(cap);
  size_t used = (size_t)snprintf(text, cap, "t\n");
  for (int i = 0; i < N; i++)
    used += i == 250 ? (size_t)snprintf(text + used, cap - used, "r%d a 0 2q\n", i)
                     : (size_t)snprintf(text + used, cap - used, "r%d a 0 1k\n", i);
  cr_assert_str_eq(kh_test_parse_error(text),
                   "test.cir:252:11: unknown suffix or unit (suffixes: f p n u m k meg g t; units: "
                   "V A Ohm R F H S Hz s W C) in '2q'");
  snprintf(text + used, cap - used, "r3 b 0 1k\n");
  strstr(text, "2q")[1] = 'k';
  cr_assert_str_eq(kh_test_parse_error(text),
                   "test.cir:302:1: duplicate element name 'r3' (first at test.cir:5:1)");
  free(text);
}
