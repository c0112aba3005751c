//! What the fuzz tests share: how many cases, from which seed.

use proptest::test_runner::{Config, RngSeed};

/// A fixed seed and no persisted failures, so that CI runs the same cases every time. For a
/// longer search: `CRMTUI_FUZZ_SCALE=50 CRMTUI_FUZZ_SEED=7 cargo test --release --test …`.
pub fn config(cases: u32, seed: u64) -> Config {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let scale = env("CRMTUI_FUZZ_SCALE").unwrap_or(1).clamp(1, 10_000) as u32;
    Config {
        cases: cases.saturating_mul(scale),
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(env("CRMTUI_FUZZ_SEED").unwrap_or(seed)),
        // Shrinking a failure is worth a while, but not forever.
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}
