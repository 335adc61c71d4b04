/* The corpus of bad netlists in tests/data/bad: each file's title line is
 * "expect LINE:COL message", and parsing (or, for structural errors, assembling) the file must
 * fail with exactly that location and a message containing that text. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_file(const char *dir, const char *name, kh_context *ctx) {
  char path[2304], expect[512], where[320];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *text = kh_test_read_file(path);
  cr_assert_not_null(text);
  unsigned line, col;
  int used = 0;
  cr_assert_eq(sscanf(text, "expect %u:%u %n", &line, &col, &used), 2, "%s: bad title", name);
  size_t len = strcspn(text + used, "\n");
  snprintf(expect, sizeof expect, "%.*s", (int)len, text + used);
  free(text);
  kh_netlist *nl = NULL;
  kh_circuit *c = NULL;
  kh_status st = kh_netlist_parse_file(ctx, &nl, path);
  if (st == KH_OK) st = kh_circuit_new(ctx, &c, nl);
  cr_expect(st == KH_ERR_INPUT || st == KH_ERR_IO, "%s: expected an input error, got %s (%s)", name,
            kh_status_name(st), kh_last_error(ctx));
  snprintf(where, sizeof where, "%s:%u:%u: ", name, line, col);
  const char *msg = kh_last_error(ctx);
  cr_expect(strstr(msg, where) != NULL, "%s: expected location %s in: %s", name, where, msg);
  cr_expect(strstr(msg, expect) != NULL, "%s: expected '%s' in: %s", name, expect, msg);
  kh_circuit_free(c);
  kh_netlist_free(nl);
}

Test(bad_inputs, every_file_in_the_corpus_fails_at_its_stated_location) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/bad", kh_test_data_dir());
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "cannot open %s", dir);
  char *names[256];
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 256)
    if (strstr(e->d_name, ".cir")) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  cr_assert_geq(n, 30, "the corpus must hold at least 30 bad netlists, found %zu", n);
  kh_context *ctx;
  kh_context_new(&ctx);
  for (size_t i = 0; i < n; i++) {
    check_file(dir, names[i], ctx);
    free(names[i]);
  }
  kh_context_free(ctx);
}

Test(bad_inputs, nul_bytes_and_empty_text) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *nl = NULL;
  cr_assert_eq(kh_netlist_parse_string(ctx, &nl, "", "e.cir"), KH_ERR_INPUT);
  cr_assert_str_eq(kh_last_error(ctx), "e.cir:1:1: empty netlist (line 1 is the title)");
  const char *path = kh_test_write_temp("nul.cir", "t\nr1 a 0 1k\nv1 a");
  FILE *f = fopen(path, "ab");
  fwrite("\0 0 1\n", 1, 6, f);
  fclose(f);
  cr_assert_eq(kh_netlist_parse_file(ctx, &nl, path), KH_ERR_INPUT);
  cr_assert(strstr(kh_last_error(ctx), "nul.cir:3:5: NUL byte"), "%s", kh_last_error(ctx));
  kh_context_free(ctx);
}
