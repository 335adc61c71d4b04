/* Data sets: CSV (header detection, every malformation an error at file:line:col), IDX (raw and
 * gzip, written here byte by byte), held-out splits and feature scaling. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static kh_dataset *load_text(const char *name, const char *text, kh_status want, const char *msg) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d = NULL;
  kh_status st = kh_dataset_load(ctx, &d, kh_test_write_temp(name, text), 0);
  cr_assert_eq(st, want, "%s: %s", name, kh_last_error(ctx));
  if (msg)
    cr_assert(strstr(kh_last_error(ctx), msg), "%s: '%s' not in: %s", name, msg,
              kh_last_error(ctx));
  kh_context_free(ctx);
  return d;
}

Test(datasets, csv_with_and_without_header) {
  kh_dataset *d = load_text("h.csv", "3,2,a,b\n1.5,2,0\n-1,4e-1,1\n\n0,0,1\n", KH_OK, NULL);
  cr_expect_eq(kh_dataset_count(d), 3);
  cr_expect_eq(kh_dataset_features(d), 2);
  cr_expect_eq(kh_dataset_classes(d), 2);
  cr_expect_eq(kh_dataset_sample(d, 1)[1], 0.4);
  cr_expect_eq(kh_dataset_label(d, 2), 1);
  kh_dataset_free(d);
  d = load_text("bom.csv", "\xef\xbb\xbfx,y,label\r\n1,2,0\r\n", KH_OK, NULL);
  cr_expect_eq(kh_dataset_count(d), 1);
  cr_expect_str_eq(kh_dataset_format(d), "CSV with a header line");
  kh_dataset_free(d);
  d = load_text("n.csv", "1, 2 ,3\r\n4,5,0\r\n", KH_OK, NULL);
  cr_expect_eq(kh_dataset_count(d), 2);
  cr_expect_eq(kh_dataset_classes(d), 4);
  cr_expect_eq(kh_dataset_sample(d, 0)[1], 2.0);
  kh_dataset_free(d);
}

Test(datasets, csv_errors_name_line_and_column) {
  load_text("nan.csv", "1,2,0\n1,nan,1\n", KH_ERR_INPUT, "nan.csv:2:3: not a finite number");
  load_text("inf.csv", "1,2,0\n1,2,0\ninf,2,1\n", KH_ERR_INPUT, "inf.csv:3:1: not a finite number");
  load_text("short.csv", "1,2,0\n1,1\n", KH_ERR_INPUT,
            "short.csv:2:4: 2 fields, but 3 on the first data line");
  load_text("label.csv", "1,2,0\n1,2,1.5\n", KH_ERR_INPUT,
            "label.csv:2:5: the label (last field) must be");
  load_text("neg.csv", "1,2,-1\n", KH_ERR_INPUT, "neg.csv:1:5: the label (last field) must be");
  load_text("word.csv", "1,2,0\n1,x,0\n", KH_ERR_INPUT, "word.csv:2:3: not a number");
  load_text("empty.csv", "", KH_ERR_INPUT, "no samples");
  load_text("header_only.csv", "a,b,c\n", KH_ERR_INPUT, "no samples");
  load_text("one.csv", "1\n2\n", KH_ERR_INPUT, "a sample needs features and a label");
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  cr_expect_eq(kh_dataset_load(ctx, &d, "/nonexistent/data.csv", 0), KH_ERR_IO);
  kh_context_free(ctx);
}

/* Writes an IDX pair of n images (rows x cols) and labels, raw or gzip-compressed. */
static const char *write_idx(const char *dir_name, const char *prefix, unsigned n, unsigned rows,
                             unsigned cols, int gz, unsigned label_count, uint32_t magic) {
  static char dir[512];
  snprintf(dir, sizeof dir, "%s", kh_test_write_temp(dir_name, ""));
  remove(dir);
  mkdir(dir, 0700);
  char path[600];
  unsigned char h[16];
  uint32_t dims[4] = {magic, n, rows, cols};
  for (int i = 0; i < 4; i++)
    h[4 * i] = dims[i] >> 24, h[4 * i + 1] = dims[i] >> 16, h[4 * i + 2] = dims[i] >> 8,
          h[4 * i + 3] = (unsigned char)dims[i];
  snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
  gzFile f = gzopen(path, gz ? "wb" : "wbT");
  gzwrite(f, h, 16);
  for (unsigned i = 0; i < n * rows * cols; i++) {
    unsigned char px = (unsigned char)(i * 7);
    gzwrite(f, &px, 1);
  }
  gzclose(f);
  snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte%s", dir, prefix, gz ? ".gz" : "");
  f = gzopen(path, gz ? "wb" : "wbT");
  uint32_t ld[2] = {0x801, label_count};
  for (int i = 0; i < 2; i++)
    h[4 * i] = ld[i] >> 24, h[4 * i + 1] = ld[i] >> 16, h[4 * i + 2] = ld[i] >> 8,
          h[4 * i + 3] = (unsigned char)ld[i];
  gzwrite(f, h, 8);
  for (unsigned i = 0; i < label_count; i++) {
    unsigned char l = (unsigned char)(i % 10);
    gzwrite(f, &l, 1);
  }
  gzclose(f);
  return dir;
}

Test(datasets, idx_raw_and_gzip) {
  kh_context *ctx;
  kh_context_new(&ctx);
  for (int gz = 0; gz < 2; gz++) {
    const char *dir = write_idx(gz ? "idx_gz" : "idx_raw", "train", 12, 3, 2, gz, 12, 0x803);
    kh_dataset *d;
    cr_assert_eq(kh_dataset_load(ctx, &d, dir, 0), KH_OK, "%s", kh_last_error(ctx));
    cr_expect_eq(kh_dataset_count(d), 12);
    cr_expect_eq(kh_dataset_features(d), 6);
    cr_expect_eq(kh_dataset_classes(d), 10);
    cr_expect(kh_dataset_is_images(d));
    cr_expect_eq(kh_dataset_sample(d, 1)[0], (double)(unsigned char)(6 * 7));
    cr_expect_eq(kh_dataset_label(d, 11), 1);
    kh_dataset_free(d);
    cr_expect_eq(kh_dataset_load(ctx, &d, dir, 1), KH_ERR_IO); /* no t10k files */
    cr_expect(strstr(kh_last_error(ctx), "t10k-images-idx3-ubyte"));
  }
  kh_context_free(ctx);
}

/* The kind comes from the content: an IDX images or labels file given as a file loads with the
 * other file of its pair; a CSV named like IDX is read as CSV; a lone IDX file says what is
 * missing. */
Test(datasets, kind_from_content) {
  kh_context *ctx;
  kh_context_new(&ctx);
  for (int gz = 0; gz < 2; gz++) {
    const char *dir = write_idx(gz ? "sniff_gz" : "sniff_raw", "train", 12, 3, 2, gz, 12, 0x803);
    for (int labels = 0; labels < 2; labels++) {
      char path[700];
      snprintf(path, sizeof path, "%s/train-%s%s", dir,
               labels ? "labels-idx1-ubyte" : "images-idx3-ubyte", gz ? ".gz" : "");
      kh_dataset *d;
      cr_assert_eq(kh_dataset_load(ctx, &d, path, 0), KH_OK, "%s", kh_last_error(ctx));
      cr_expect_eq(kh_dataset_count(d), 12);
      cr_expect_eq(kh_dataset_features(d), 6);
      cr_expect(kh_dataset_is_images(d));
      cr_expect_str_eq(kh_dataset_format(d), "IDX");
      kh_dataset_free(d);
    }
    char path[700];
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte%s", dir, gz ? ".gz" : "");
    cr_assert_eq(remove(path), 0);
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte%s", dir, gz ? ".gz" : "");
    kh_dataset *d;
    cr_expect_eq(kh_dataset_load(ctx, &d, path, 0), KH_ERR_INPUT);
    cr_expect(strstr(kh_last_error(ctx), "an IDX images file, whose labels file was not found"),
              "%s", kh_last_error(ctx));
  }
  kh_dataset *d = load_text("t10k-images-idx3-ubyte", "1,2,0\n3,4,1\n", KH_OK, NULL);
  cr_expect_eq(kh_dataset_count(d), 2);
  cr_expect_str_eq(kh_dataset_format(d), "CSV without a header");
  kh_dataset_free(d);
  kh_context_free(ctx);
}

Test(datasets, idx_errors) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d;
  const char *dir = write_idx("idx_mismatch", "train", 5, 2, 2, 1, 4, 0x803);
  cr_expect_eq(kh_dataset_load(ctx, &d, dir, 0), KH_ERR_INPUT);
  cr_expect(strstr(kh_last_error(ctx), "5 images but"), "%s", kh_last_error(ctx));
  dir = write_idx("idx_magic", "train", 5, 2, 2, 1, 5, 0x802);
  cr_expect_eq(kh_dataset_load(ctx, &d, dir, 0), KH_ERR_INPUT);
  cr_expect(strstr(kh_last_error(ctx), "magic"), "%s", kh_last_error(ctx));
  kh_context_free(ctx);
}

Test(datasets, split_and_scaling) {
  char text[4096] = "";
  for (int i = 0; i < 50; i++)
    snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%d,%d\n", i, 2 * i + 1, i % 3);
  kh_dataset *d = load_text("split.csv", text, KH_OK, NULL);
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *held;
  cr_assert_eq(kh_dataset_split(ctx, d, 0.2, 42, &held), KH_OK);
  cr_expect_eq(kh_dataset_count(held), 10);
  cr_expect_eq(kh_dataset_count(d), 40);
  /* every sample lands on exactly one side */
  int seen[50] = {0};
  for (size_t i = 0; i < 40; i++) seen[(int)kh_dataset_sample(d, i)[0]]++;
  for (size_t i = 0; i < 10; i++) seen[(int)kh_dataset_sample(held, i)[0]]++;
  for (int i = 0; i < 50; i++) cr_expect_eq(seen[i], 1, "sample %d", i);
  kh_scaler s;
  cr_assert_eq(kh_scaler_fit(ctx, &s, KH_SCALE_STANDARDIZE, d), KH_OK);
  cr_assert_eq(kh_scaler_apply(ctx, &s, d), KH_OK);
  for (size_t j = 0; j < 2; j++) {
    double sum = 0, sq = 0;
    for (size_t i = 0; i < 40; i++) sum += kh_dataset_sample(d, i)[j];
    for (size_t i = 0; i < 40; i++) sq += pow(kh_dataset_sample(d, i)[j] - sum / 40, 2);
    cr_expect(fabs(sum / 40) < 1e-12 && fabs(sq / 40 - 1) < 1e-12, "feature %zu", j);
  }
  kh_scaler_release(&s);
  kh_dataset *none;
  cr_expect_eq(kh_dataset_split(ctx, held, 1.5, 1, &none), KH_ERR_USAGE);
  kh_dataset_free(d);
  kh_dataset_free(held);
  kh_context_free(ctx);
}

/* A header that claims far more than the file holds (found by libFuzzer: 32 bytes asking for
 * 4 GB) is a truncated file, refused before anything of the claimed size is allocated. */
Test(datasets, idx_header_claiming_more_than_the_file) {
  const char *dir = write_idx("idx_claims", "train", 2, 2, 2, 0, 2, 0x803);
  char path[600];
  snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", dir);
  FILE *f = fopen(path, "wb");
  const unsigned char header[] = {
      0, 0,  8, 3, 3, 0x93, 0x87, 0, 0, 0, 16, 0, 0,
      0, 16, 0, 1, 2, 3,    4,    5, 6, 7, 8,  9, 10}; /* 6e7 of 4096x4096 */
  fwrite(header, 1, sizeof header, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
  f = fopen(path, "wb");
  const unsigned char labels[] = {0, 0, 8, 1, 3, 0x93, 0x87, 0, 1, 2, 3};
  fwrite(labels, 1, sizeof labels, f);
  fclose(f);
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_dataset *d = NULL;
  cr_expect_eq(kh_dataset_load(ctx, &d, dir, 0), KH_ERR_INPUT, "%s", kh_last_error(ctx));
  cr_expect(strstr(kh_last_error(ctx),
                   "truncated at byte 26: the header promises 60000000 images of 4096x4096"),
            "%s", kh_last_error(ctx));
  cr_expect_null(d);
  kh_context_free(ctx);
}

/* Read noise's scale (kh_read_noise_volts): the median over the samples of each one's RMS input
 * voltage, times the gain. On the digits set, one added sample a thousand times larger than the
 * largest input moves it by less than 1 %, where the largest-input reference grows a
 * thousandfold; in volts, given in volts. */
Test(datasets, read_noise_scale_ignores_an_outlier) {
  kh_context *ctx;
  kh_context_new(&ctx);
  char path[1024];
  snprintf(path, sizeof path, "%s/digits.csv", getenv("KH_DATA") ? getenv("KH_DATA") : "data");
  kh_dataset *d = NULL;
  cr_assert_eq(kh_dataset_load(ctx, &d, path, 0), KH_OK, "%s", kh_last_error(ctx));
  size_t n = kh_dataset_count(d), f = kh_dataset_features(d);
  double *x = malloc((n + 1) * f * sizeof *x), big = 0;
  unsigned *label = malloc((n + 1) * sizeof *label);
  for (size_t i = 0; i < n; i++) {
    memcpy(x + i * f, kh_dataset_sample(d, i), f * sizeof *x);
    label[i] = kh_dataset_label(d, i);
    for (size_t j = 0; j < f; j++) big = fmax(big, fabs(x[i * f + j]));
  }
  for (size_t j = 0; j < f; j++) x[n * f + j] = 1000 * big;
  label[n] = 0;
  kh_dataset *with = NULL;
  cr_assert_eq(kh_dataset_from_arrays(ctx, &with, "outlier", x, label, n + 1, f), KH_OK, "%s",
               kh_last_error(ctx));
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.read_noise = 0.04;
  double clean, noisy;
  cr_assert_eq(kh_read_noise_volts(ctx, &o, d, 4, &clean), KH_OK);
  cr_assert_eq(kh_read_noise_volts(ctx, &o, with, 4, &noisy), KH_OK);
  cr_expect(clean > 0 && fabs(noisy / clean - 1) < 0.01, "median RMS: %g V, %g V with the outlier",
            clean, noisy);
  /* by hand: the median of the per-sample RMS, times gain and sigma */
  double *rms = malloc(n * sizeof *rms);
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (size_t j = 0; j < f; j++) s += x[i * f + j] * x[i * f + j];
    rms[i] = sqrt(s / f);
  }
  size_t below = 0, above = 0; /* clean / (4 * 0.04) splits the samples in halves */
  double m = clean / 0.16;     /* ties at the median, within round-off, count as neither */
  for (size_t i = 0; i < n; i++) below += rms[i]<m *(1 - 1e-12), above += rms[i]> m * (1 + 1e-12);
  cr_expect(below <= n / 2 && above <= n / 2, "%zu below, %zu above the median", below, above);
  o.read_noise_reference = KH_NOISE_LARGEST;
  cr_assert_eq(kh_read_noise_volts(ctx, &o, d, 4, &clean), KH_OK);
  cr_assert_eq(kh_read_noise_volts(ctx, &o, with, 4, &noisy), KH_OK);
  cr_expect(fabs(clean - 0.16 * big) < 1e-12 && fabs(noisy / clean - 1000) < 1e-9);
  o.read_noise = 0, o.read_noise_volts = 0.003;
  cr_assert_eq(kh_read_noise_volts(ctx, &o, with, 4, &noisy), KH_OK);
  cr_expect_eq(noisy, 0.003);
  free(rms), free(x), free(label);
  kh_dataset_free(d), kh_dataset_free(with);
  kh_context_free(ctx);
}
