//! Median and range of a sample, and the pair-by-pair ratio of two interleaved samples.

/// Median with the range it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

/// `None` for an empty sample. The median of an even count is the mean of the middle two.
pub fn summarize(xs: &[f64]) -> Option<Summary> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some(Summary {
        median,
        min: v[0],
        max: v[n - 1],
        n,
    })
}

/// `a[i] / b[i]` for every pair (both runs of a pair saw the same machine load).
pub fn ratios(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter()
        .zip(b)
        .filter(|(_, y)| **y > 0.0)
        .map(|(x, y)| x / y)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_and_even_medians() {
        let s = summarize(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.n), (2.0, 1.0, 3.0, 3));
        let s = summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn ratios_pair_by_pair() {
        assert_eq!(ratios(&[2.0, 9.0], &[4.0, 3.0]), vec![0.5, 3.0]);
        // A zero duration cannot make a ratio; it is left out, not turned into infinity.
        assert_eq!(ratios(&[1.0, 1.0], &[0.0, 2.0]), vec![0.5]);
    }

    #[test]
    fn median_of_ratios_is_not_ratio_of_medians() {
        // A load spike hits both runs of pair 3; per-pair ratios stay at 0.5.
        let a = [1.0, 1.0, 10.0];
        let b = [2.0, 2.0, 20.0];
        assert_eq!(summarize(&ratios(&a, &b)).unwrap().max, 0.5);
    }
}
