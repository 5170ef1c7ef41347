//! The two small pieces of probability the flags need: the binomial upper tail, and the smoothed
//! rate at which a group of voters picked a project.

/// `P(X >= k)` for `X ~ Binomial(n, p)`, summed from `k` upwards in log space (the tails the
/// flags look at are far below what `1 - P(X < k)` could represent).
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
    // ln C(n, k) = sum over i in 1..=k of ln((n - k + i) / i)
    let ln_choose: f64 = (1..=k)
        .map(|i| (f64::from(n - k + i) / f64::from(i)).ln())
        .sum();
    let mut term = (ln_choose + f64::from(k) * ln_p + f64::from(n - k) * ln_q).exp();
    let mut total = 0.0;
    let ratio = p / (1.0 - p);
    for j in k..=n {
        total += term;
        if term < total * 1e-17 {
            break;
        }
        // pmf(j + 1) = pmf(j) * (n - j) / (j + 1) * p / (1 - p)
        term *= f64::from(n - j) / f64::from(j + 1) * ratio;
    }
    total.min(1.0)
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
