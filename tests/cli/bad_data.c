/* Bad data through `kirchhoff train`, as a user meets it (docs/reliability.md, "Bad data"): each
 * case exits 2 with a message naming the file and the line, column or byte where it went wrong,
 * and writes nothing: no trace, no --save-test or --save-net file, no temporary file. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char dir[512];

static const char *temp_dir(void) {
  if (!dir[0]) {
    const char *marker = kh_test_write_temp("bad_data.marker", "");
    size_t n = (size_t)(strrchr(marker, '/') - marker);
    memcpy(dir, marker, n);
  }
  return dir;
}

static int exists(const char *path) {
  return access(path, F_OK) == 0;
}

/* Runs train on `data_args` (and any extra options) with every output option set; checks the
 * exit code, that `message` is in the output, and that none of the outputs exists after. */
static void expect_refused(const char *arch, const char *data_args, const char *message) {
  char trace[700], test_out[700], net_out[700], cmd[4096], tmp[800];
  snprintf(trace, sizeof trace, "%s/refused.h5", temp_dir());
  snprintf(test_out, sizeof test_out, "%s/refused_test.csv", temp_dir());
  snprintf(net_out, sizeof net_out, "%s/refused_net.cir", temp_dir());
  snprintf(cmd, sizeof cmd,
           "%s train --arch %s %s --epochs 1 --trace %s --save-test %s --save-net %s 2>&1",
           kh_test_cli(), arch, data_args, trace, test_out, net_out);
  char *out = NULL;
  int rc = kh_test_run(cmd, &out);
  cr_expect_eq(rc, 2, "%s: exit %d: %s", data_args, rc, out);
  cr_expect(strstr(out, message), "%s: '%s' not in: %s", data_args, message, out);
  const char *written[] = {trace, test_out, net_out};
  for (int i = 0; i < 3; i++) {
    snprintf(tmp, sizeof tmp, "%s.kh-tmp", written[i]);
    cr_expect(!exists(written[i]) && !exists(tmp), "%s: '%s' was written", data_args, written[i]);
    remove(written[i]), remove(tmp);
  }
  free(out);
}

static const char *csv(const char *name, const char *text) {
  return kh_test_write_temp(name, text);
}

/* 8 samples, 2 features, classes 0 and 1: fits --arch 2-4-2. */
static const char *good_csv(void) {
  return csv("good.csv", "1,2,0\n2,1,1\n3,1,0\n1,3,1\n2,2,0\n0,1,1\n1,1,0\n3,3,1\n");
}

Test(bad_data, csv_values_rows_and_labels) {
  char args[2048];
  struct {
    const char *name, *text, *message;
  } cases[] = {
      {"nan.csv", "1,2,0\n3,nan,1\n", "nan.csv:2:3: not a finite number"},
      {"inf.csv", "1,2,0\n-inf,2,1\n", "inf.csv:2:1: not a finite number"},
      {"overflow.csv", "1,2,0\n1,1e999,1\n", "overflow.csv:2:3: not a finite number"},
      {"word.csv", "1,2,0\n1,two,1\n", "word.csv:2:3: not a number"},
      {"short_row.csv", "1,2,0\n1,1\n",
       "short_row.csv:2:4: 2 fields, but 3 on the first data line"},
      {"long_row.csv", "1,2,0\n1,2,3,1\n",
       "long_row.csv:2:7: 4 fields, but 3 on the first data line"},
      {"fraction.csv", "1,2,0\n1,2,1.5\n", "fraction.csv:2:5: the label (last field) must be"},
      {"negative.csv", "1,2,0\n1,2,-1\n", "negative.csv:2:5: the label (last field) must be"},
      {"empty.csv", "", "empty.csv: no samples"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(args, sizeof args, "--data %s", csv(cases[i].name, cases[i].text));
    expect_refused("2-4-2", args, cases[i].message);
  }
}

Test(bad_data, shapes_against_the_network_and_each_other) {
  char args[2048];
  char good[700]; /* kh_test_write_temp returns a static buffer */
  snprintf(good, sizeof good, "%s", good_csv());
  snprintf(args, sizeof args, "--data %s", good);
  expect_refused("3-4-2", args, "good.csv has 2 features but the network 3 inputs");
  const char *many = csv("many_classes.csv", "1,2,0\n2,1,1\n3,1,4\n1,3,1\n2,2,0\n");
  snprintf(args, sizeof args, "--data %s", many);
  expect_refused("2-4-2", args, "many_classes.csv has 5 classes but the network 2 outputs");
  snprintf(args, sizeof args, "--data %s --test %s", good, csv("wide_test.csv", "1,2,3,0\n"));
  expect_refused("2-4-2", args, "wide_test.csv has 3 features but the training data");
  snprintf(args, sizeof args, "--data %s --test %s", good, csv("label_test.csv", "1,2,7\n"));
  expect_refused("2-4-2", args, "label_test.csv has 8 classes but the network 2 outputs");
  snprintf(args, sizeof args, "--data %s/missing.csv", temp_dir());
  char *out = NULL;
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s train --arch 2-4-2 %s 2>&1", kh_test_cli(), args);
  cr_expect_neq(kh_test_run(cmd, &out), 0);
  cr_expect(strstr(out, "missing.csv"), "%s", out);
  free(out);
}

/* An IDX folder of n 2x2 images and `labels` labels (classes 0 and 1), raw or gzip; `cut`
 * bytes dropped from the end of the images file (or the labels file when cut < 0). */
static const char *idx_folder(const char *name, unsigned n, unsigned labels, uint32_t image_magic,
                              uint32_t label_magic, int gz, int cut) {
  static char path[700];
  snprintf(path, sizeof path, "%s/%s", temp_dir(), name);
  mkdir(path, 0700);
  unsigned char images[16 + 64 * 4], lab[8 + 64];
  uint32_t head[4] = {image_magic, n, 2, 2}, lhead[2] = {label_magic, labels};
  for (int i = 0; i < 16; i++) images[i] = (unsigned char)(head[i / 4] >> (24 - 8 * (i % 4)));
  for (int i = 0; i < 8; i++) lab[i] = (unsigned char)(lhead[i / 4] >> (24 - 8 * (i % 4)));
  for (unsigned i = 0; i < 4 * n; i++) images[16 + i] = (unsigned char)(37 * i);
  for (unsigned i = 0; i < labels; i++) lab[8 + i] = (unsigned char)(i % 2);
  size_t image_bytes = 16 + 4 * n - (cut > 0 ? (size_t)cut : 0);
  size_t label_bytes = 8 + labels - (cut < 0 ? (size_t)-cut : 0);
  const char *kinds[2] = {"images-idx3-ubyte", "labels-idx1-ubyte"};
  const unsigned char *bytes[2] = {images, lab};
  size_t sizes[2] = {image_bytes, label_bytes};
  for (int k = 0; k < 4; k++) { /* train-* and the same as t10k-* (the test set) */
    char file[800];
    snprintf(file, sizeof file, "%s/%s-%s%s", path, k < 2 ? "train" : "t10k", kinds[k % 2],
             gz ? ".gz" : "");
    gzFile f = gzopen(file, gz ? "wb" : "wbT");
    cr_assert_not_null(f);
    gzwrite(f, bytes[k % 2], (unsigned)sizes[k % 2]);
    gzclose(f);
  }
  return path;
}

Test(bad_data, idx_magic_counts_truncation_and_corruption) {
  char args[2048];
  snprintf(args, sizeof args, "--data %s", idx_folder("good_idx", 8, 8, 0x803, 0x801, 0, 0));
  expect_refused("5-4-2", args, "good_idx (train set) has 4 features but the network 5 inputs");
  snprintf(args, sizeof args, "--data %s", idx_folder("magic", 8, 8, 0x802, 0x801, 0, 0));
  expect_refused("4-4-2", args, "magic/train-images-idx3-ubyte: IDX magic 0x00000802");
  snprintf(args, sizeof args, "--data %s", idx_folder("label_magic", 8, 8, 0x803, 0x803, 0, 0));
  expect_refused("4-4-2", args, "label_magic/train-labels-idx1-ubyte: IDX magic 0x00000803");
  snprintf(args, sizeof args, "--data %s", idx_folder("counts", 8, 7, 0x803, 0x801, 0, 0));
  expect_refused("4-4-2", args, "holds 8 images but");
  snprintf(args, sizeof args, "--data %s", idx_folder("short_images", 8, 8, 0x803, 0x801, 0, 5));
  expect_refused("4-4-2", args,
                 "short_images/train-images-idx3-ubyte: truncated at byte 43: the header "
                 "promises 8 images of 2x2 (32 bytes after the header)");
  snprintf(args, sizeof args, "--data %s", idx_folder("short_labels", 8, 8, 0x803, 0x801, 1, -3));
  expect_refused("4-4-2", args,
                 "short_labels/train-labels-idx1-ubyte.gz: truncated at byte 13 of the "
                 "decompressed data: the header promises 8 labels");
  snprintf(args, sizeof args, "--data %s", idx_folder("header", 8, 8, 0x803, 0x801, 0, 40));
  expect_refused("4-4-2", args, "header/train-images-idx3-ubyte: truncated IDX header");
  /* a gzip stream with its payload bytes flipped: zlib's error, not a silent short read */
  const char *folder = idx_folder("corrupt", 8, 8, 0x803, 0x801, 1, 0);
  char file[800];
  snprintf(file, sizeof file, "%s/train-images-idx3-ubyte.gz", folder);
  FILE *f = fopen(file, "r+b");
  cr_assert_not_null(f);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  for (long at = 12; at < size - 8; at++) {
    fseek(f, at, SEEK_SET);
    fputc(0xA5 ^ (int)at, f);
  }
  fclose(f);
  snprintf(args, sizeof args, "--data %s", folder);
  expect_refused("4-4-2", args, "corrupt/train-images-idx3-ubyte.gz: corrupt");
}

/* The data and the network load on two threads (learning/run.c): the data's error is reported
 * when both are bad, as when they load in order, and the network's own message (file:line:col)
 * comes through from its thread. */
Test(bad_data, data_error_first_when_the_network_is_bad_too) {
  char net[700], bad[700], good[700], args[2400]; /* the helpers return one static buffer */
  snprintf(net, sizeof net, "%s",
           kh_test_write_temp("bad_net.cir", "* net\nR1 a b 1k\nV1 a 0 1\nX9 a b\n.end\n"));
  snprintf(bad, sizeof bad, "%s", csv("two.csv", "1,2,0\n1,two,1\n"));
  snprintf(good, sizeof good, "%s", good_csv());
  for (int threads = 1; threads <= 2; threads++) {
    snprintf(args, sizeof args, "train %s --data %s --threads %d", net, bad, threads);
    kh_test_cli_expect(args, 2, "two.csv:2:3: not a number");
    snprintf(args, sizeof args, "train %s --data %s --threads %d", net, good, threads);
    kh_test_cli_expect(args, 2, "bad_net.cir:4:6: unknown subcircuit 'b'");
  }
}
