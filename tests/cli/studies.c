/* The study scripts of examples/notebooks as a user runs them, on small networks: each writes its
 * CSV and plot, prints what its documentation says, and runs from any folder. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A study script's outputs in kh_test_cli_dir()/sub: NAME.png, and NAME.csv with a header and
 * `rows` rows. */
static void expect_study(const char *sub, const char *name, size_t rows) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/%s.png", kh_test_cli_dir(), sub, name);
  cr_expect(kh_test_exists(path), "%s missing", path);
  snprintf(path, sizeof path, "%s/%s/%s.csv", kh_test_cli_dir(), sub, name);
  char *csv = kh_test_read_file(path);
  cr_assert_not_null(csv, "%s missing", path);
  size_t lines = 0;
  for (char *p = csv; *p; p++) lines += *p == '\n';
  cr_expect_eq(lines, 1 + rows, "%s", csv);
  free(csv);
}

/* The Python package's directory when it was built (the sanitizer builds leave it out): NULL,
 * said in the log, otherwise. */
static const char *package(void) {
  const char *pkg = getenv("KH_PYTHONPATH");
  char init[1024];
  snprintf(init, sizeof init, "%s/kirchhoff/__init__.py", pkg ? pkg : "");
  if (pkg && kh_test_exists(init)) return pkg;
  cr_log_info("the Python package is not built here: skipped");
  return NULL;
}

/* The device study script on a small case (kirchhoff.Trainer): one CSV row per point and the
 * plot. */
Test(studies, hardware_study_script) {
  char args[4096], *out;
  const char *pkg = package();
  if (!pkg) return;
  snprintf(args, sizeof args,
           "PYTHONPATH=%s /usr/bin/python3 %s/hardware_study.py %s %s/study --arch 8-8-4 "
           "--epochs 1 --bits 2,4 --noise 0.1 --stuck 0.05 2>&1",
           pkg, getenv("KH_NOTEBOOKS"), kh_test_cli_blobs(), kh_test_cli_dir());
  cr_assert_eq(kh_test_run(args, &out), 0, "%s", out);
  free(out);
  expect_study("study", "hardware_study", 8); /* (2 bits + 1 noise + 1 stuck) x 2 */
}

/* The read-noise study script on a small case: one CSV row per estimator, sigma and epoch, from
 * the runs' reports, and the plot. */
Test(studies, noise_study_script) {
  char args[4096], *out;
  const char *pkg = package();
  if (!pkg) return;
  snprintf(args, sizeof args,
           "PYTHONPATH=%s /usr/bin/python3 %s/noise_study.py %s %s/noise --arch 8-6-4 --epochs 2 "
           "2>&1",
           pkg, getenv("KH_NOTEBOOKS"), kh_test_cli_blobs(), kh_test_cli_dir());
  cr_assert_eq(kh_test_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "oscillating  sigma 0.04"), "%s", out);
  free(out);
  expect_study("noise", "noise_study", 4 * 2 * 2); /* 4 estimators x 2 sigmas x 2 epochs */
  char path[1024];
  /* the notebook, executed on the same small case */
  snprintf(args, sizeof args,
           "cd %s && PYTHONPATH=%s KH_DATA=%s KH_STUDY_QUICK=1 KH_STUDY_ARCH=8-6-4 "
           "KH_PLOTS=%s/noise_nb /usr/bin/python3 -m nbconvert --to notebook --execute "
           "noise_study.ipynb --output %s/noise_executed.ipynb 2>&1",
           getenv("KH_NOTEBOOKS"), pkg, kh_test_cli_blobs(), kh_test_cli_dir(), kh_test_cli_dir());
  cr_assert_eq(kh_test_run(args, &out), 0, "%s", out);
  free(out);
  snprintf(path, sizeof path, "%s/noise_nb/noise_study.png", kh_test_cli_dir());
  cr_expect(kh_test_exists(path), "%s missing", path);
  snprintf(args, sizeof args, "PYTHONPATH=%s %s/noise_study.py %s %s/noise --only bogus", pkg,
           getenv("KH_NOTEBOOKS"), kh_test_cli_blobs(), kh_test_cli_dir());
  cr_expect_neq(kh_test_run(args, &out), 0, "%s", out);
  free(out);
}

/* The study notebooks in their quick mode, started from another folder: they find the checkout,
 * their scripts and the package (installed, else the checkout's build) themselves. Quick mode
 * trains 8-8-4 (the device study: blobs) and 64-8-10 (the noise study: digits). */
Test(studies, study_notebooks_run_from_any_folder) {
  char digits[1024];
  snprintf(digits, sizeof digits, "%s/../../data/digits.csv", getenv("KH_NOTEBOOKS"));
  if (!package()) return;
  if (!kh_test_exists(digits)) {
    cr_log_info("no data/digits.csv (scripts/fetch-data.sh --small data): skipped");
    return;
  }
  const char *names[] = {"hardware_study", "noise_study"}, *data[] = {kh_test_cli_blobs(), digits};
  for (int i = 0; i < 2; i++) {
    char cmd[4096], *out;
    snprintf(cmd, sizeof cmd,
             "cd %s && KH_STUDY_QUICK=1 KH_DATA=%s KH_PLOTS=%s/nb_%s /usr/bin/python3 -m "
             "nbconvert --to notebook --execute %s/%s.ipynb --output %s/nb_%s.ipynb 2>&1",
             kh_test_cli_dir(), data[i], kh_test_cli_dir(), names[i], getenv("KH_NOTEBOOKS"),
             names[i], kh_test_cli_dir(), names[i]);
    cr_assert_eq(kh_test_run(cmd, &out), 0, "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "%s/nb_%s/%s.png", kh_test_cli_dir(), names[i], names[i]);
    cr_expect(kh_test_exists(cmd), "%s missing", cmd);
  }
}

/* The training-budget study script on a small network: an epoch row per estimator, the plot,
 * and each estimator's line. */
Test(studies, budget_study_script) {
  char args[4096], *out;
  snprintf(args, sizeof args, "%s/budget_study.py %s %s %s/budget --arch 8-6-4 --epochs 2",
           getenv("KH_NOTEBOOKS"), kh_test_cli(), kh_test_cli_blobs(), kh_test_cli_dir());
  cr_assert_eq(kh_test_python(args, &out), 0, "%s", out);
  const char *names[] = {"exact ", "centered ", "cg ", "rbp ", "phantom ", "itd "};
  for (size_t k = 0; k < 6; k++) cr_expect(strstr(out, names[k]) != NULL, "%s: %s", names[k], out);
  cr_expect(strstr(out, "s per epoch, gradient") != NULL, "%s", out); /* timed apart */
  free(out);
  expect_study("budget", "budget_study", 6 * 2);
}

/* The bilevel-gradient study script on a small network: a CSV row per estimator, setting and
 * layer, the plot, rbp, cg, phantom and itd printed, and the fitted exponents of comparison b. */
Test(studies, bilevel_study_script) {
  char args[4096], *out;
  snprintf(args, sizeof args, "%s/bilevel_study.py %s %s %s/bilevel --arch 8-6-4 --samples 8",
           getenv("KH_NOTEBOOKS"), kh_test_cli(), kh_test_cli_blobs(), kh_test_cli_dir());
  cr_assert_eq(kh_test_python(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "cg       relative error at k = 1,2,3,5,7,10,15,20,30,50"), "%s", out);
  cr_expect(strstr(out, "itd      relative error at k = 1,2,3,5,7,10,15,20,30,50"), "%s", out);
  cr_expect(strstr(out, "phantom damping 1     descent condition held in"), "%s", out);
  /* Zucchet & Sacramento: the best beta grows like delta^(1/2) (plus), delta^(1/3) (centered) */
  const char *names[] = {"plus     best beta", "centered best beta"};
  const double theory[] = {0.5, 1.0 / 3};
  for (int k = 0; k < 2; k++) {
    const char *line = strstr(out, names[k]), *fit = line ? strstr(line, "fitted exponent ") : NULL;
    cr_assert_not_null(fit, "%s", out);
    double exponent = strtod(fit + strlen("fitted exponent "), NULL);
    cr_expect(fabs(exponent - theory[k]) <= 0.15, "%s: fitted exponent %.3f", names[k], exponent);
  }
  free(out);
  char path[1024];
  snprintf(path, sizeof path, "%s/bilevel/bilevel_study.png", kh_test_cli_dir());
  cr_expect(kh_test_exists(path), "%s missing", path);
  snprintf(path, sizeof path, "%s/bilevel/bilevel_study.csv", kh_test_cli_dir());
  char *csv = kh_test_read_file(path);
  cr_assert_not_null(csv, "%s missing", path);
  size_t rows[3] = {0, 0, 0}; /* a, b, c */
  for (char *p = csv; *p; p++)
    if ((p == csv || p[-1] == '\n') && p[0] >= 'a' && p[0] <= 'c' && p[1] == ',')
      rows[p[0] - 'a']++;
  /* a: 5 curves, c: 5 dampings, 10 k values each; b: 2 estimators, 41 betas, 7 bounds, less
   * the nudges that fail (a negative one past the outputs' conductance); 2 layers each */
  cr_expect(rows[0] == 5 * 10 * 2 && rows[2] == 5 * 10 * 2, "a %zu c %zu", rows[0], rows[2]);
  cr_expect(rows[1] >= 2 * 41 * 7 && rows[1] <= 2 * 41 * 7 * 2, "b %zu", rows[1]);
  free(csv);
}

/* The learning-rules study on a small network: a row per rule and setting (noise-free, read
 * noise, 4-bit devices), each run's accuracy and its settled states per sample. */
Test(studies, rules_study_script, .timeout = 300) {
  char args[4096], *out;
  snprintf(args, sizeof args,
           "%s/rules_study.py %s %s %s/rules --arch 8-6-4 --epochs 1 --sigmas 0,0.04 --rules "
           "centered,coupled-1,spsa,node-perturbation",
           getenv("KH_NOTEBOOKS"), kh_test_cli(), kh_test_cli_blobs(), kh_test_cli_dir());
  cr_assert_eq(kh_test_python(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "failed") == NULL, "%s", out);
  cr_expect(strstr(out, "node-perturbation  sigma 0 ") != NULL, "%s", out);
  cr_expect(strstr(out, "21 states/sample") != NULL, "%s", out); /* 2 (6 + 4) + 1 */
  free(out);
  expect_study("rules", "rules_study", 4 * 3);
}

/* The torch study on a small case (the package built and torch installed): one CSV row per
 * runner, estimator and epoch, and the plot */
Test(studies, torch_study_script) {
  char args[4096], *out;
  const char *pkg = package();
  if (!pkg) return;
  int no_torch = kh_test_run("/usr/bin/python3 -c 'import torch' 2>&1", &out) != 0;
  free(out);
  if (no_torch) {
    cr_log_info("torch is missing: skipped");
    return;
  }
  snprintf(args, sizeof args,
           "PYTHONPATH=%s /usr/bin/python3 %s/torch_study.py %s %s %s/torch --arch 8-6-4 "
           "--epochs 2 --estimators exact,centered 2>&1",
           pkg, getenv("KH_NOTEBOOKS"), kh_test_cli(), kh_test_cli_blobs(), kh_test_cli_dir());
  cr_assert_eq(kh_test_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "backward centered:"), "%s", out);
  free(out);
  expect_study("torch", "torch_study", 3 * 2); /* (command + 2 estimators) x 2 epochs */
  /* the notebook, quick, from another folder */
  snprintf(args, sizeof args,
           "cd %s && PYTHONPATH=%s KH_STUDY_QUICK=1 KH_STUDY_ARCH=8-6-4 KH_CLI=%s KH_DATA=%s "
           "KH_PLOTS=%s/torch_nb /usr/bin/python3 -m nbconvert --to notebook --execute "
           "%s/torch_study.ipynb --output %s/torch_nb.ipynb 2>&1",
           kh_test_cli_dir(), pkg, kh_test_cli(), kh_test_cli_blobs(), kh_test_cli_dir(),
           getenv("KH_NOTEBOOKS"), kh_test_cli_dir());
  cr_assert_eq(kh_test_run(args, &out), 0, "%s", out);
  free(out);
  expect_study("torch_nb", "torch_study", 3 * 2);
}
