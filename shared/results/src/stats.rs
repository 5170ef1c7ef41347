//! The two small pieces of probability the flags need: the binomial upper tail, and the smoothed
//! rate at which a group of voters picked a project.

/// `P(X >= k)` for `X ~ Binomial(n, p)`. Below the mean it is `1 - P(X < k)`, the few terms
/// under `k` summed in log space (a term too small for a float is too small to matter there);
/// above it, the terms from `k` up as multiples of the first, then scaled by it in log space, so
/// a far tail is neither rounded to 0 by the subtraction nor lost when its first term is tiny.
pub fn binomial_tail(n: u32, p: f64, k: u32) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let (ln_p, ln_q) = (p.ln(), (1.0 - p).ln());
    // ln C(n, j), built up term by term.
    let ln_pmf = |j: u32| {
        let ln_choose: f64 = (1..=j)
            .map(|i| (f64::from(n - j + i) / f64::from(i)).ln())
            .sum();
        ln_choose + f64::from(j) * ln_p + f64::from(n - j) * ln_q
    };
    if f64::from(k) <= f64::from(n) * p {
        let below: f64 = (0..k).map(|j| ln_pmf(j).exp()).sum();
        return (1.0 - below).clamp(0.0, 1.0);
    }
    // pmf(j + 1) / pmf(j) = (n - j) / (j + 1) × p / (1 - p), below 1 past the mean.
    let ratio = p / (1.0 - p);
    let (mut term, mut relative) = (1.0, 0.0);
    for j in k..=n {
        relative += term;
        term *= f64::from(n - j) / f64::from(j + 1) * ratio;
        if term < relative * 1e-17 {
            break;
        }
    }
    (ln_pmf(k) + relative.ln()).exp().min(1.0)
}

/// The rate at which `chose` of `out_of` voters picked something, with one imaginary voter who
/// did and one who did not (Laplace's rule of succession): never 0 or 1, so a project nobody
/// else voted for is "rare", not "impossible".
pub fn smoothed_rate(chose: u32, out_of: u32) -> f64 {
    (f64::from(chose) + 1.0) / (f64::from(out_of) + 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
    }

    #[test]
    fn the_binomial_tail_matches_sums_worked_by_hand() {
        // P(X >= 1), n = 2, p = 1/2: 3/4.
        assert!(close(binomial_tail(2, 0.5, 1), 0.75));
        // P(X >= 3), n = 3, p = 0.1: 0.001.
        assert!(close(binomial_tail(3, 0.1, 3), 0.001));
        // P(X >= 2), n = 4, p = 0.25: 1 - (81 + 108) / 256 = 67/256.
        assert!(close(binomial_tail(4, 0.25, 2), 67.0 / 256.0));
        assert_eq!(binomial_tail(4, 0.25, 0), 1.0);
        assert_eq!(binomial_tail(4, 0.25, 5), 0.0);
        assert_eq!(binomial_tail(4, 0.0, 1), 0.0);
        assert_eq!(binomial_tail(4, 1.0, 4), 1.0);
    }

    #[test]
    fn a_tail_below_the_mean_of_a_large_n_is_near_one_not_lost_to_underflow() {
        // The first term, P(X = 3) for n = 2200 and p = 0.3, is below the smallest float.
        assert!((binomial_tail(2200, 0.3, 3) - 1.0).abs() < 1e-12);
        assert!((binomial_tail(1100, 0.5, 3) - 1.0).abs() < 1e-12);
        // At the mean: P(X >= 2) for n = 4, p = 1/2 is 11/16.
        assert!(close(binomial_tail(4, 0.5, 2), 11.0 / 16.0));
    }

    #[test]
    fn a_far_tail_is_not_lost_to_rounding() {
        // 10 of 10 at p = 0.01: 1e-20, which 1 - P(X < 10) would round to 0.
        let tail = binomial_tail(10, 0.01, 10);
        assert!(close(tail, 1e-20), "{tail}");
    }

    #[test]
    fn the_smoothed_rate_counts_one_imaginary_voter_each_way() {
        assert_eq!(smoothed_rate(0, 0), 0.5);
        assert_eq!(smoothed_rate(0, 8), 0.1);
        assert_eq!(smoothed_rate(8, 8), 0.9);
    }
}
