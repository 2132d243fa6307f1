//! The paired timer: A B A B ..., after `warmup` unrecorded runs of each. Both runs of a pair
//! see nearly the same machine (load from other work, cache and CPU frequency state), so the
//! ratio of a pair is far steadier than the ratio of two medians taken at different times.

use crate::error::Result;
use std::time::Duration;

/// One side of a row: runs once and returns the time that counts (setup and teardown that
/// must not count, like halting a zone after a timed boot, happen inside, untimed).
pub type Side<'a> = dyn FnMut() -> Result<Duration> + 'a;

/// Wall times in milliseconds, `a[i]` and `b[i]` taken back to back.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Run `warmup` + `runs` rounds of A then B (B may be absent: an absolute row).
pub fn paired(
    warmup: usize,
    runs: usize,
    a: &mut Side<'_>,
    mut b: Option<&mut Side<'_>>,
) -> Result<Samples> {
    let mut s = Samples::default();
    for round in 0..warmup + runs {
        crate::stop::check()?;
        let ta = a()?;
        let tb = match b.as_mut() {
            Some(b) => Some(b()?),
            None => None,
        };
        if round >= warmup {
            s.a.push(ms(ta));
            if let Some(tb) = tb {
                s.b.push(ms(tb));
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternates_and_drops_warmup() {
        let order = std::cell::RefCell::new(Vec::new());
        let mut n = 0u64;
        let mut a = || {
            n += 1;
            order.borrow_mut().push('A');
            Ok(Duration::from_millis(n))
        };
        let mut b = || {
            order.borrow_mut().push('B');
            Ok(Duration::from_millis(10))
        };
        let s = paired(1, 3, &mut a, Some(&mut b)).unwrap();
        assert_eq!(order.into_inner(), "ABABABAB".chars().collect::<Vec<_>>());
        assert_eq!(s.a, vec![2.0, 3.0, 4.0]);
        assert_eq!(s.b, vec![10.0; 3]);
    }

    #[test]
    fn absolute_row_has_no_b() {
        let mut a = || Ok(Duration::from_micros(1500));
        let s = paired(0, 2, &mut a, None).unwrap();
        assert_eq!(s.a, vec![1.5, 1.5]);
        assert!(s.b.is_empty());
    }

    #[test]
    fn an_error_stops_the_row() {
        let mut a = || Err(crate::error::BenchError::Setup("boom".into()));
        assert!(paired(0, 5, &mut a, None).is_err());
    }
}
