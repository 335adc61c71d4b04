/* kirchhoff sweep: the index lists every point of the grid with its values, exit code, test
 * error and trace, in one process and (when MPI was built) across mpirun's processes, where
 * each point gives what it gives alone. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[700];

static const char *blobs(void) {
  static char path[700];
  if (!path[0]) {
    snprintf(path, sizeof path, "%s", kh_test_blobs_csv("sweep_blobs.csv", 200, 3, 6));
    size_t n = (size_t)(strrchr(path, '/') - path);
    memcpy(dir, path, n);
  }
  return path;
}

/* Runs a 2 x 3 sweep into DIR/out on P processes (0: no mpirun); returns the index text. */
static char *sweep(int P, const char *out, const char *extra) {
  char cmd[4096], *text = NULL;
  const char *mpirun = getenv("KH_MPIRUN");
  char launcher[1024] = "";
  if (P)
    snprintf(
        launcher, sizeof launcher,
        "ASAN_OPTIONS=detect_leaks=0 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
        "OMPI_MCA_btl=self,vader %s --oversubscribe -np %d ",
        mpirun, P);
  snprintf(cmd, sizeof cmd,
           "%s%s sweep --grid 'beta=0.05,0.2;lr=0.01,0.03,0.1' --out %s/%s --arch 6-8-3 "
           "--data %s --epochs 2 --trace-grad 0 %s 2>&1",
           launcher, kh_test_cli(), dir, out, blobs(), extra);
  char *printed = NULL;
  int rc = kh_test_run(cmd, &printed);
  cr_assert_eq(rc, 0, "%s", printed);
  cr_expect(strstr(printed, "6 points on"), "%s", printed);
  free(printed);
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/index.csv", dir, out);
  text = kh_test_read_file(path);
  cr_assert_not_null(text, "no %s", path);
  return text;
}

static void expect_every_point(const char *index, const char *out) {
  const char *values[6][2] = {{"0.05", "0.01"}, {"0.05", "0.03"}, {"0.05", "0.1"},
                              {"0.2", "0.01"},  {"0.2", "0.03"},  {"0.2", "0.1"}};
  cr_expect(!strncmp(index, "point,beta,lr,exit_code,test_error,seconds,trace\n", 48), "%s", index);
  for (int p = 0; p < 6; p++) {
    char row[128], trace[1024];
    snprintf(row, sizeof row, "\n%d,%s,%s,0,", p, values[p][0], values[p][1]);
    cr_expect(strstr(index, row), "no row '%s' in:\n%s", row + 1, index);
    snprintf(trace, sizeof trace, "%s/%s/point-%04d.h5", dir, out, p);
    cr_expect(access(trace, R_OK) == 0, "no trace %s", trace);
  }
}

/* The test error column of point p. */
static double error_of(const char *index, int p) {
  const char *line = index;
  for (int i = 0; i <= p; i++) line = strchr(line, '\n') + 1;
  for (int comma = 0; comma < 4; comma++) line = strchr(line, ',') + 1;
  return atof(line);
}

Test(sweep, index_lists_every_point, .timeout = 300) {
  char *one = sweep(0, "single", "");
  expect_every_point(one, "single");
  if (getenv("KH_MPIRUN")) {
    char *two = sweep(2, "mpi", "");
    expect_every_point(two, "mpi");
    for (int p = 0; p < 6; p++) /* each point trains alone: the same run either way */
      cr_expect_eq(error_of(one, p), error_of(two, p), "point %d", p);
    free(two);
  }
  free(one);
}

Test(sweep, bad_grids_and_failed_points) {
  char cmd[2048], *out;
  snprintf(cmd, sizeof cmd, "%s sweep --grid 'beta' --out %s/bad --data %s 2>&1", kh_test_cli(),
           dir, blobs());
  cr_expect_eq(kh_test_run(cmd, &out), 1, "%s", out);
  free(out);
  snprintf(cmd, sizeof cmd, "%s sweep --grid 'beta=1' --out %s/bad --trace x.h5 --data %s 2>&1",
           kh_test_cli(), dir, blobs());
  cr_expect_eq(kh_test_run(cmd, &out), 1, "%s", out);
  cr_expect(strstr(out, "each point has its own trace"), "%s", out);
  free(out);
  /* a point that fails is listed with its exit code, and the sweep exits with it */
  snprintf(cmd, sizeof cmd,
           "%s sweep --grid 'epochs=1;lr=0.01,-1' --out %s/failing --arch 6-8-3 --data %s 2>&1",
           kh_test_cli(), dir, blobs());
  cr_expect_eq(kh_test_run(cmd, &out), 1, "%s", out);
  free(out);
  snprintf(cmd, sizeof cmd, "%s/failing/index.csv", dir);
  char *index = kh_test_read_file(cmd);
  cr_assert_not_null(index);
  cr_expect(strstr(index, "\n0,1,0.01,0,") && strstr(index, "\n1,1,-1,1,,"), "%s", index);
  free(index);
}
