/* What a new user's usual mistakes must not do (issue 29): outputs that would replace an input
 * or a file kirchhoff did not write, resumes on other data or with options that would be
 * dropped, interrupted runs that do not say what they kept, and CSV files whose mistakes the
 * reader would hide. Each case failed on the code before the issue. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *slurp(const char *path) {
  char *text = kh_test_read_file(path);
  cr_assert_not_null(text, "%s unreadable", path);
  return text;
}

/* A copy of path's text, to compare with after a refused command. */
static void expect_unchanged(const char *path, const char *before) {
  char *after = slurp(path);
  cr_expect_str_eq(after, before, "%s changed", path);
  free(after);
}

static char data[1024], dir[1024];

/* 4 classes in 8 dimensions, 300 samples: a few tens of milliseconds an epoch. */
static void init_data(void) {
  snprintf(data, sizeof data, "%s", kh_test_blobs_csv("safety.csv", 300, 4, 8));
  snprintf(dir, sizeof dir, "%s", data);
  *strrchr(dir, '/') = '\0';
}

TestSuite(safety, .init = init_data);

Test(safety, outputs_never_replace_inputs) {
  char args[4096], link[1200];
  char *before = slurp(data);
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --epochs 1 --trace %s", data, data);
  kh_test_cli_expect(args, 1, "--trace");
  expect_unchanged(data, before);
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --epochs 1 --save-test %s --force",
           data, data);
  kh_test_cli_expect(args, 1, "is the --data file");
  expect_unchanged(data, before);
  /* through a link, and a path spelled another way */
  snprintf(link, sizeof link, "%s/link.csv", dir);
  unlink(link);
  cr_assert_eq(symlink(data, link), 0);
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --epochs 1 --save-test %s/./../%s/%s",
           link, dir, strrchr(dir, '/') + 1, "safety.csv");
  kh_test_cli_expect(args, 1, "is the --data file");
  expect_unchanged(data, before);
  /* two outputs on one file */
  snprintf(args, sizeof args,
           "train --arch 8-6-4 --data %s --epochs 1 --trace %s/same.h5 --save-test %s/same.h5",
           data, dir, dir);
  kh_test_cli_expect(args, 1, "are the same file");
  free(before);
  /* export onto its own trace */
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --epochs 1 --trace %s/run.h5 --quiet",
           data, dir);
  kh_test_cli_expect(args, 0, "test accuracy");
  snprintf(args, sizeof args, "export %s/run.h5 -o %s/run.h5", dir, dir);
  kh_test_cli_expect(args, 1, "is the TRACE file");
  snprintf(args, sizeof args, "export %s/run.h5 -o %s/run.cir", dir, dir);
  kh_test_cli_expect(args, 0, "");
}

Test(safety, existing_files_are_replaced_only_when_kirchhoff_wrote_them) {
  char args[4096], notes[1200];
  snprintf(notes, sizeof notes, "%s", kh_test_write_temp("notes.txt", "my notes\n"));
  const char *flags[] = {"--trace", "--save-test", "--save-net"};
  for (int i = 0; i < 3; i++) {
    snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --epochs 1 %s %s", data, flags[i],
             notes);
    kh_test_cli_expect(args, 1, "exists and is not");
    expect_unchanged(notes, "my notes\n");
  }
  snprintf(args, sizeof args, "net --arch 2-2 -o %s", notes);
  kh_test_cli_expect(args, 1, "exists and is not a netlist that kirchhoff wrote");
  expect_unchanged(notes, "my notes\n");
  /* kirchhoff's own files are replaced; --force replaces anything */
  snprintf(args, sizeof args,
           "train --arch 8-6-4 --data %s --epochs 1 --trace %s/own.h5 --save-test %s/own.csv "
           "--save-net %s/own.cir --quiet",
           data, dir, dir, dir);
  kh_test_cli_expect(args, 0, "test accuracy");
  kh_test_cli_expect(args, 0, "test accuracy");
  snprintf(args, sizeof args, "net --arch 2-2 -o %s --force", notes);
  kh_test_cli_expect(args, 0, "");
  char *text = slurp(notes);
  cr_expect(strstr(text, "* written by kirchhoff"), "%s", text);
  free(text);
}

Test(safety, resume_checks_data_options_and_what_is_left) {
  char args[4096], shuffled[1200], trace[1200];
  snprintf(trace, sizeof trace, "%s/resume.h5", dir);
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --epochs 2 --trace %s --quiet", data,
           trace);
  char *out;
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  double accuracy = kh_test_number_after(out, "test accuracy: ");
  free(out);
  /* nothing left: says so, with the trace's own final accuracy, exit 0 */
  for (int epochs = 0; epochs <= 2; epochs += 2) {
    snprintf(args, sizeof args, "train --resume %s --data %s --epochs %d", trace, data, epochs);
    cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
    cr_expect(strstr(out, "nothing left to train"), "%s", out);
    cr_expect(!strstr(out, "nan"), "%s", out);
    cr_expect_float_eq(kh_test_number_after(out, "last test accuracy: "), accuracy, 1e-9, "%s",
                       out);
    free(out);
  }
  /* the same samples in another order hold out other test samples: refused */
  char *text = slurp(data), *lines[400];
  size_t n = 0;
  for (char *line = strtok(text, "\n"); line && n < 400; line = strtok(NULL, "\n"))
    lines[n++] = line;
  size_t size = 0;
  char *reversed = NULL;
  FILE *f = open_memstream(&reversed, &size);
  for (size_t i = n; i-- > 0;) fprintf(f, "%s\n", lines[i]);
  fclose(f);
  snprintf(shuffled, sizeof shuffled, "%s", kh_test_write_temp("reversed.csv", reversed));
  free(reversed), free(text);
  snprintf(args, sizeof args, "train --resume %s --data %s --epochs 3", trace, shuffled);
  kh_test_cli_expect(args, 2, "is not the training set");
  /* options the trace fixes are refused by name, not dropped */
  snprintf(args, sizeof args, "train --resume %s --data %s --epochs 3 --lr 0.5", trace, data);
  kh_test_cli_expect(args, 1, "--lr cannot be given with --resume");
  snprintf(args, sizeof args, "train --resume %s --data %s --epochs 3 --trace %s/other.h5", trace,
           data, dir);
  kh_test_cli_expect(args, 1, "--trace cannot be given with --resume");
  /* and what may change, does */
  snprintf(args, sizeof args, "train --resume %s --data %s --epochs=3 --threads 2", trace, data);
  kh_test_cli_expect(args, 0, "epoch   3/3");
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --epochs 0", data);
  kh_test_cli_expect(args, 1, "--epochs must be >= 1");
}

/* SIGINT or SIGTERM in the middle of a run: it stops at once, exits 128 + the signal, says which
 * epoch the trace keeps, and that trace resumes. */
static void interrupt_with(int sig) {
  char trace[1200], log[1200], cmd[4096];
  snprintf(trace, sizeof trace, "%s/interrupted-%d.h5", dir, sig);
  snprintf(log, sizeof log, "%s/interrupted-%d.log", dir, sig);
  unlink(trace);
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    FILE *out = freopen(log, "w", stdout);
    if (!out || dup2(fileno(out), STDERR_FILENO) < 0) _exit(99);
    execl(kh_test_cli(), "kirchhoff", "train", "--arch", "8-64-64-4", "--data", data, "--epochs",
          "1000", "--trace", trace, (char *)NULL);
    _exit(98);
  }
  /* until the first epoch is in the trace (at most 60 s) */
  char *text = NULL;
  for (int i = 0; i < 600; i++) {
    struct timespec pause = {0, 100000000};
    nanosleep(&pause, NULL);
    free(text);
    text = kh_test_read_file(log);
    if (text && strstr(text, "epoch   1/1000")) break;
  }
  cr_assert(kill(pid, sig) == 0);
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 128 + sig, "status %d", status);
  free(text);
  text = slurp(log);
  cr_expect(strstr(text, "kirchhoff train: interrupted"), "%s", text);
  cr_expect(strstr(text, "keeps epoch"), "%s", text);
  cr_expect(strstr(text, "--resume"), "%s", text);
  free(text);
  snprintf(cmd, sizeof cmd, "train --resume %s --data %s --epochs 1", trace, data);
  kh_test_cli_expect(cmd, 0, "nothing left to train");
}

Test(safety, interrupted_runs_say_what_they_kept) {
  interrupt_with(SIGINT);
  interrupt_with(SIGTERM);
}

/* --data FILE's mistakes, each an error at file:line:col, and the summary line. */
Test(safety, csv_mistakes_are_errors_where_they_are) {
  static const struct {
    const char *name, *text, *message;
  } cases[] = {
      {"mixed_first.csv", "1,x,0\n1,2,0\n2,1,1\n", "mixed_first.csv:1:3: not a number: 'x'"},
      {"trailing_first.csv", "1,2,0,\n1,2,0\n2,1,1\n", "trailing_first.csv:1:7: empty field"},
      {"trailing_later.csv", "1,2,0\n1,2,1,\n", "trailing_later.csv:2:7: empty field"},
      {"empty_field.csv", "1,2,0\n1,,1\n", "empty_field.csv:2:3: empty field"},
      {"semicolons.csv", "1;2;0\n1;2;1\n", "semicolons.csv:1:1: its fields are separated by ';'"},
      {"tabs.csv", "1\t2\t0\n", "tabs.csv:1:1: its fields are separated by tabs"},
      {"binary.csv", "1,2,0\n1,\001\002,1\n", "binary.csv:2:3: binary data (byte 0x01)"},
      {"sklearn_wrong.csv", "5,2,a,b\n1,2,0\n2,1,1\n",
       "sklearn_wrong.csv:1:1: the first line reads as scikit-learn's header"},
      {"header_ragged.csv", "a,b,label\n1,2\n", "header_ragged.csv:2:4: 2 fields, but 3"},
  };
  char args[4096];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(args, sizeof args, "train --arch 2-4-2 --data %s --epochs 1",
             kh_test_write_temp(cases[i].name, cases[i].text));
    kh_test_cli_expect(args, 2, cases[i].message);
  }
  /* a gzip file that is not IDX */
  char gz[1200];
  snprintf(gz, sizeof gz, "%s/data.csv.gz", dir);
  snprintf(args, sizeof args, "gzip -c %s > %s", data, gz);
  cr_assert_eq(system(args), 0);
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --epochs 1", gz);
  kh_test_cli_expect(args, 2, "data.csv.gz:1:1: gzip-compressed data that is not IDX");
  /* the summary: samples, features, classes, header, split, scaling */
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --epochs 1", data);
  kh_test_cli_expect(
      args, 0,
      "(CSV without a header): 300 samples, 8 features, 4 classes; training on 240, testing "
      "on 60 (a seeded 20 % held out); scaling standardize");
  snprintf(args, sizeof args, "train --arch 2-4-3 --data %s --epochs 1",
           kh_test_write_temp("named.csv", "x,y,class\n# a comment\n1,2,0\n2,1,2\n3,1,0\n1,3,"
                                           "2\n2,2,0\n"));
  kh_test_cli_expect(args, 0,
                     "(CSV with a header line): 5 samples, 2 features, 3 classes (1 of them "
                     "without a training sample)");
}

Test(safety, names_and_options_as_users_type_them) {
  char args[4096];
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --estimator centred", data);
  kh_test_cli_expect(
      args, 1, "--estimator: unknown name 'centred' (did you mean 'centered'?); valid: exact");
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --epoch 2", data);
  kh_test_cli_expect(args, 1, "unknown option '--epoch' (did you mean '--epochs'?)");
  snprintf(args, sizeof args, "train --arch=8-6-4 --data=%s --epochs=1 --optimizer=sgd --quiet",
           data);
  kh_test_cli_expect(args, 0, "test accuracy");
  kh_test_cli_expect("trian", 1, "unknown command 'trian' (did you mean 'train'?)");
  kh_test_cli_expect("op --backend=ngspic x.cir", 1, "did you mean 'ngspice'?");
  /* an input error with no line names the file it is about */
  const char *deck = kh_test_write_temp("no_cards.cir", "r1 1 0 1k\nv1 1 0 1\n");
  snprintf(args, sizeof args, "train %s --data %s --epochs 1", deck, data);
  kh_test_cli_expect(args, 2, "no_cards.cir: a trainable netlist needs");
  /* a trace that cannot be created says why */
  snprintf(args, sizeof args, "train --arch 8-6-4 --data %s --trace /nonexistent/t.h5", data);
  kh_test_cli_expect(args, 2, "No such file or directory");
}

Test(safety, run_sh_without_a_command_prints_its_whole_usage) {
  char cmd[2048], *out;
  snprintf(cmd, sizeof cmd, "%s/../../run.sh 2>&1", getenv("KH_CLI_TESTS"));
  cr_assert_eq(kh_test_run(cmd, &out), 0, "%s", out);
  cr_expect(strstr(out, "./run.sh demo"), "%s", out);
  cr_expect(strstr(out, "./run.sh build   build only"), "%s", out);
  free(out);
}

/* The README's tour, then every complete command in docs/, line by line as written, on small data
 * (tests/cli/readme_tour.py): a documented command that stops working fails here. */
Test(safety, the_readme_tour_runs_as_written, .timeout = 600) {
  char cmd[4096], *out;
  const char *tests = getenv("KH_CLI_TESTS");
  if (getenv("KH_SANITIZED")) {
    cr_log_info("sanitizer build: the tour runs in the release build's tests");
    return;
  }
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/readme_tour.py %s/../.. %s %s/tour 2>&1", tests,
           tests, kh_test_cli(), dir);
  int rc = kh_test_run(cmd, &out);
  cr_expect_eq(rc, 0, "%s", out);
  cr_expect(strstr(out, "ran as written"), "%s", out);
  free(out);
}
