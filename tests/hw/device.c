/* Device models: quantization levels, bounds, stuck devices and programming noise are what they
 * claim, reproducibly; a trainer with a device attached still learns. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

Test(device, quantizes_to_2_to_the_bits_levels) {
  kh_hw_options o = KH_HW_OPTIONS_INIT;
  o.quantize_bits = 3; /* 8 levels: 0.1, 0.2, ..., 0.8 */
  double seen[64];
  size_t distinct = 0;
  for (int i = 0; i <= 1000; i++) {
    double g = kh_hw_map(&o, 0.05 + 0.8 * i / 1000.0, 0.1, 0.8, (uint64_t)i, 0);
    double level = (g - 0.1) / 0.1;
    cr_assert(fabs(level - round(level)) < 1e-9 && g >= 0.1 - 1e-15 && g <= 0.8 + 1e-15,
              "g %.17g is no level", g);
    int known = 0;
    for (size_t k = 0; k < distinct; k++) known |= fabs(seen[k] - g) < 1e-12;
    if (!known) seen[distinct++] = g;
  }
  cr_expect_eq(distinct, 8);
  cr_expect(fabs(kh_hw_map(&o, 0.449, 0.1, 0.8, 1, 0) - 0.4) < 1e-12);
  cr_expect(fabs(kh_hw_map(&o, 0.451, 0.1, 0.8, 1, 0) - 0.5) < 1e-12);
}

Test(device, stuck_devices_and_noise_are_reproducible) {
  kh_hw_options o = KH_HW_OPTIONS_INIT;
  o.stuck_rate = 0.1, o.prog_noise = 0.05, o.seed = 7;
  size_t stuck = 0, n = 20000;
  double sum = 0, sq = 0;
  for (uint64_t i = 0; i < n; i++) {
    double a = kh_hw_map(&o, 0.5, 1e-3, 1.0, i, 3), b = kh_hw_map(&o, 0.5, 1e-3, 1.0, i, 3);
    cr_assert_eq(a, b, "device %llu: not reproducible", (unsigned long long)i);
    if (a == 1e-3 || a == 1.0) {
      stuck++;
      cr_assert_eq(kh_hw_map(&o, 0.2, 1e-3, 1.0, i, 99), a, "a stuck device moved");
    } else {
      sum += a / 0.5 - 1, sq += (a / 0.5 - 1) * (a / 0.5 - 1);
    }
  }
  double m = sum / (double)(n - stuck), sd = sqrt(sq / (double)(n - stuck) - m * m);
  cr_log_info("stuck %.4f (rate 0.1); programming noise mean %.4f sd %.4f (0.05)",
              (double)stuck / (double)n, m, sd);
  cr_expect(fabs((double)stuck / (double)n - 0.1) < 0.01);
  cr_expect(fabs(m) < 0.002 && fabs(sd - 0.05) < 0.002);
}

/* Device-to-device variation is the same at every write; programming noise is not. */
Test(device, variation_is_per_device_noise_per_write) {
  kh_hw_options v = KH_HW_OPTIONS_INIT, p = KH_HW_OPTIONS_INIT;
  v.variation = 0.1, p.prog_noise = 0.1;
  int v_same = 1, p_same = 1, v_spread = 0;
  for (uint64_t i = 0; i < 100; i++) {
    double a = kh_hw_map(&v, 0.5, 1e-3, 1, i, 1), b = kh_hw_map(&v, 0.5, 1e-3, 1, i, 2);
    v_same &= a == b, v_spread |= fabs(a - 0.5) > 1e-3;
    p_same &= kh_hw_map(&p, 0.5, 1e-3, 1, i, 1) == kh_hw_map(&p, 0.5, 1e-3, 1, i, 2);
  }
  cr_expect(v_same && v_spread, "variation must differ by device and not by write");
  cr_expect(!p_same, "programming noise must differ by write");
  kh_hw_options a = KH_HW_OPTIONS_INIT;
  a.prog_noise_add = 0.01;
  double sum = 0, sq = 0;
  for (uint64_t i = 0; i < 20000; i++) {
    double d = kh_hw_map(&a, 0.5, 1e-3, 1, i, 1) - 0.5;
    sum += d, sq += d * d;
  }
  double sd = sqrt(sq / 20000 - (sum / 20000) * (sum / 20000));
  cr_expect(fabs(sd - 0.01) < 5e-4 && fabs(sum / 20000) < 5e-4, "additive noise sd %.4g", sd);
}

Test(device, hardware_aware_training_learns_at_four_bits) {
  kh_context *ctx;
  kh_context_new(&ctx);
  char text[1 << 14] = "";
  size_t used = 0;
  uint64_t s = 5;
  for (int i = 0; i < 120; i++) { /* two well separated classes in 3 dimensions */
    int c = i % 2;
    for (int j = 0; j < 3; j++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      used += (size_t)snprintf(text + used, sizeof text - used, "%.4f,",
                               (c ? 1.0 : -1.0) * (j + 1) + ((double)(s >> 11) * 0x1.0p-53 - 0.5));
    }
    used += (size_t)snprintf(text + used, sizeof text - used, "%d\n", c);
  }
  kh_dataset *train, *test;
  cr_assert_eq(kh_dataset_load(ctx, &train, kh_test_write_temp("two.csv", text), 0), KH_OK);
  cr_assert_eq(kh_dataset_split(ctx, train, 0.25, 1, &test), KH_OK);
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  o.gmax = 1, o.input_gain = 2;
  char *net = kh_test_netgen(&o, "3-6-2");
  kh_netlist *nl = kh_test_parse(net);
  free(net);
  kh_train_options to = KH_TRAIN_OPTIONS_INIT;
  kh_trainer *t;
  cr_assert_eq(kh_trainer_new(ctx, &t, nl, &to, train), KH_OK, "%s", kh_last_error(ctx));
  kh_hw_options hw = KH_HW_OPTIONS_INIT;
  hw.quantize_bits = 4;
  cr_assert_eq(kh_hw_attach(ctx, t, &hw, 1), KH_OK, "%s", kh_last_error(ctx));
  for (int e = 0; e < 10; e++) {
    kh_epoch_report r;
    cr_assert_eq(kh_trainer_epoch(ctx, t, &r), KH_OK, "%s", kh_last_error(ctx));
  }
  double loss, err;
  cr_assert_eq(kh_trainer_evaluate(ctx, t, test, &loss, &err), KH_OK);
  cr_expect(err <= 0.1, "4-bit hardware-aware test error %.3f", err);
  kh_trainer_free(t);
  kh_netlist_free(nl);
  kh_dataset_free(train), kh_dataset_free(test);
  kh_context_free(ctx);
}
