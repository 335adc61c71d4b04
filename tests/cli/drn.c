/* A small deep resistive network on real MNIST images through the layered backend, as a user
 * runs it with a preset: it learns, single precision keeps the accuracy, a resumed run ends
 * where the uninterrupted one does (and, like it, runs no native gradient check), and what the
 * backend cannot run is a clear error. Needs
 * MNIST in $KH_DATA/mnist (./run.sh test fetches it: scripts/fetch-data.sh --mnist data). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *mnist(void) {
  static char path[512];
  const char *data = getenv("KH_DATA");
  snprintf(path, sizeof path, "%s/mnist", data ? data : "data");
  char probe[600];
  snprintf(probe, sizeof probe, "%s/train-images-idx3-ubyte.gz", path);
  cr_assert(access(probe, R_OK) == 0,
            "MNIST is missing from %s: fetch it with scripts/fetch-data.sh --mnist data", path);
  return path;
}

/* (Single and double runs part ways over 1500 updates: within 2 points, not bitwise.)
 * 784x2-32-10 on the first 2000 training images, the preset's other settings (beta 0.5: a
 * 32-node layer gives some outputs less than 1 S at initialization). */
#define SMALL "train --preset drn-xs --arch 784-32-10 --beta 0.5 --limit 2000 --data "

static double accuracy(const char *out) {
  return kh_test_number_after(out, "test accuracy: ");
}

Test(drn_cli, small_network_learns_mnist) {
  char args[1024], *out = NULL;
  snprintf(args, sizeof args, SMALL "%s --epochs 3", mnist());
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  double dbl = accuracy(out);
  cr_expect(dbl >= 80, "double: %.2f %%\n%s", dbl, out);
  cr_expect(strstr(out, "4.0 sweeps per solve"), "%s", out);
  free(out);
  snprintf(args, sizeof args, SMALL "%s --epochs 3 --precision single --threads 2", mnist());
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  double sgl = accuracy(out);
  cr_expect(sgl >= dbl - 2 && sgl <= dbl + 2, "single %.2f %% vs double %.2f %%", sgl, dbl);
  free(out);
}

/* Epochs in the trace's gradient check (the estimator against the native exact gradient). */
static hsize_t gradient_checks(const char *trace) {
  hid_t f = H5Fopen(trace, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert(f >= 0, "cannot open %s", trace);
  hsize_t dims[2] = {0, 0};
  if (H5Lexists(f, "grad", H5P_DEFAULT) > 0 && H5Lexists(f, "grad/cosine", H5P_DEFAULT) > 0) {
    hid_t d = H5Dopen2(f, "grad/cosine", H5P_DEFAULT), space = H5Dget_space(d);
    H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space), H5Dclose(d);
  }
  H5Fclose(f);
  return dims[0];
}

Test(drn_cli, resumed_run_ends_where_the_uninterrupted_one_does) {
  char args[1024], trace[512], *full = NULL, *part = NULL;
  snprintf(trace, sizeof trace, "%s", kh_test_write_temp("drn.h5", ""));
  unlink(trace);
  snprintf(args, sizeof args, SMALL "%s --epochs 3 --quiet", mnist());
  cr_assert_eq(kh_test_cli_run(args, &full), 0, "%s", full);
  snprintf(args, sizeof args, SMALL "%s --epochs 2 --quiet --trace %s", mnist(), trace);
  cr_assert_eq(kh_test_cli_run(args, &part), 0, "%s", part);
  free(part);
  snprintf(args, sizeof args, "train --resume %s --epochs 3 --data %s --quiet", trace, mnist());
  cr_assert_eq(kh_test_cli_run(args, &part), 0, "%s", part);
  cr_expect_str_eq(strstr(part, "test accuracy"), strstr(full, "test accuracy"));
  /* the check's default follows the trace's backend (none on the layered one), not the
   * command line's: it once solved 16 samples natively per resumed epoch, 4x DRN-2H's epoch */
  cr_expect_eq(gradient_checks(trace), 0);
  free(full), free(part);
}

Test(drn_cli, what_the_layered_backend_cannot_run) {
  char args[1024];
  snprintf(args, sizeof args, SMALL "%s --epochs 1 --optimizer adam", mnist());
  kh_test_cli_expect(args, 1, "layered backend runs SGD, with or without momentum");
  kh_test_cli_expect(
      "train --preset drn-xl --data x", 1,
      "--preset: unknown name 'drn-xl' (did you mean 'drn-xs'?); valid: drn-xs, drn-1h, drn-2h");
  snprintf(args, sizeof args, SMALL "%s --epochs 1 --amp-gain 2", mnist());
  kh_test_cli_expect(args, 2, "not layered: the circuit has amplifiers");
  kh_test_cli_expect("train --arch 4-3 --data x --backend dense", 1,
                     "--backend: unknown name 'dense'; valid: native, layered");
}
