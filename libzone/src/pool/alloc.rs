//! Which CPUs each processor set gets. A pure function of the sets' bounds and importance,
//! the online CPUs and where CPUs are now:
//!
//! 1. every set gets its `pset.min` (the default set at least one CPU), and never fewer than
//!    its pinned CPUs or the CPUs explicitly transferred to it (up to its `pset.max`);
//! 2. the remaining CPUs go to the other sets that have pools, by importance (highest first,
//!    equal importance shares one CPU at a time), each up to its `pset.max`; with
//!    `system.allocate-method = "surplus to default"` this step is skipped;
//! 3. the default set takes the rest.
//!
//! Then concrete CPUs are chosen so that as few as possible move: pinned CPUs stay, CPUs
//! transferred explicitly go where they were sent, every set keeps what it has up to its
//! new size, and only the difference moves, lowest CPU ids first.

use std::collections::BTreeMap;

/// What one processor set asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PsetDemand {
    pub name: String,
    pub min: u64,
    pub max: u64,
    /// The highest `pool.importance` of the pools bound to the set.
    pub importance: i64,
    /// Some pool is bound to the set. Sets without pools run nothing, so they get their
    /// minimum but no share of the spare CPUs.
    pub has_pools: bool,
    pub is_default: bool,
    /// CPUs the set holds now.
    pub current: Vec<u32>,
    /// CPUs marked `cpu.pinned`: they stay in this set.
    pub pinned: Vec<u32>,
    /// CPUs placed in this set explicitly (`transfer`), honoured up to `max`. For the
    /// default set they are only a preference.
    pub requested: Vec<u32>,
}

/// Why a configuration cannot be laid out on this machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocError {
    #[error("the processor sets need {required} CPUs but {available} are online")]
    NotEnoughCpus { required: u128, available: usize },
    #[error("the processor sets can hold only {capacity} of the {available} online CPUs")]
    TooManyCpus { capacity: u128, available: usize },
    #[error("processor set {pset} has pset.min {min} above pset.max {max}")]
    MinAboveMax { pset: String, min: u64, max: u64 },
    #[error("processor set {pset} has {pinned} pinned CPUs but pset.max {max}")]
    PinnedAboveMax {
        pset: String,
        pinned: usize,
        max: u64,
    },
    #[error("CPU {cpu} is pinned to both {first} and {second}")]
    PinnedTwice {
        cpu: u32,
        first: String,
        second: String,
    },
    #[error("there must be exactly one default processor set")]
    NoDefaultPset,
}

/// The layout: for each set, in the order given, its CPUs in ascending order.
pub type Assignment = Vec<(String, Vec<u32>)>;

/// How CPUs beyond the minimums are shared out (`system.allocate-method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Surplus {
    /// `importance based` (the default).
    #[default]
    ByImportance,
    /// `surplus to default`.
    ToDefault,
}

pub fn allocate(
    psets: &[PsetDemand],
    online: &[u32],
    surplus: Surplus,
) -> Result<Assignment, AllocError> {
    let mut online: Vec<u32> = online.to_vec();
    online.sort_unstable();
    online.dedup();
    let is_online = |c: &u32| online.binary_search(c).is_ok();
    let n = online.len();

    let defaults: Vec<usize> = (0..psets.len()).filter(|&i| psets[i].is_default).collect();
    let [default] = defaults[..] else {
        return Err(AllocError::NoDefaultPset);
    };

    let mut owner: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, p) in psets.iter().enumerate() {
        for &cpu in p.pinned.iter().filter(|c| is_online(c)) {
            if let Some(&j) = owner.get(&cpu) {
                if j != i {
                    return Err(AllocError::PinnedTwice {
                        cpu,
                        first: psets[j].name.clone(),
                        second: p.name.clone(),
                    });
                }
            }
            owner.insert(cpu, i);
        }
    }

    // Sizes first.
    let mut target = Vec::with_capacity(psets.len());
    for (i, p) in psets.iter().enumerate() {
        if p.min > p.max {
            return Err(AllocError::MinAboveMax {
                pset: p.name.clone(),
                min: p.min,
                max: p.max,
            });
        }
        let pinned = owner.values().filter(|&&o| o == i).count();
        if pinned as u64 > p.max {
            return Err(AllocError::PinnedAboveMax {
                pset: p.name.clone(),
                pinned,
                max: p.max,
            });
        }
        let mut lower = p.min.max(pinned as u64);
        if p.is_default {
            lower = lower.max(1);
        } else {
            let requested = distinct_online(&p.requested, &online)
                .filter(|c| owner.get(c).is_none_or(|&o| o == i))
                .count() as u64;
            lower = lower.max(requested.min(p.max));
        }
        target.push(lower);
    }
    let required: u128 = target.iter().map(|&t| t as u128).sum();
    if required > n as u128 {
        return Err(AllocError::NotEnoughCpus {
            required,
            available: n,
        });
    }
    let mut spare = n as u64 - required as u64;

    if surplus == Surplus::ByImportance {
        let mut levels: Vec<i64> = psets
            .iter()
            .filter(|p| !p.is_default && p.has_pools)
            .map(|p| p.importance)
            .collect();
        levels.sort_unstable_by(|a, b| b.cmp(a));
        levels.dedup();
        for level in levels {
            let members: Vec<usize> = (0..psets.len())
                .filter(|&i| {
                    !psets[i].is_default && psets[i].has_pools && psets[i].importance == level
                })
                .collect();
            while spare > 0 {
                // Within a level, sets that would otherwise give up CPUs they hold come
                // first, so equal shares move as little as possible.
                let mut order: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|&i| target[i] < psets[i].max)
                    .collect();
                if order.is_empty() {
                    break;
                }
                order.sort_by_key(|&i| {
                    let held = distinct_online(&psets[i].current, &online).count() as u64;
                    (held <= target[i], target[i], i)
                });
                let smallest = order.iter().map(|&i| target[i]).min().unwrap_or(0);
                for i in order {
                    if spare == 0 {
                        break;
                    }
                    if target[i] == smallest {
                        target[i] += 1;
                        spare -= 1;
                    }
                }
            }
        }
    }
    target[default] += spare;
    if target[default] > psets[default].max {
        let capacity = psets
            .iter()
            .enumerate()
            .map(|(i, p)| if i == default { p.max } else { target[i] } as u128)
            .sum();
        return Err(AllocError::TooManyCpus {
            capacity,
            available: n,
        });
    }

    // Then concrete CPUs.
    let mut count = vec![0u64; psets.len()];
    for &i in owner.values() {
        count[i] += 1;
    }
    let mut give = |owner: &mut BTreeMap<u32, usize>, i: usize, cpus: &[u32]| {
        let mut wanted: Vec<u32> = distinct_online(cpus, &online).collect();
        wanted.sort_unstable();
        for cpu in wanted {
            if count[i] >= target[i] {
                break;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = owner.entry(cpu) {
                e.insert(i);
                count[i] += 1;
            }
        }
    };
    for (i, p) in psets.iter().enumerate() {
        if !p.is_default {
            give(&mut owner, i, &p.requested);
        }
    }
    for (i, p) in psets.iter().enumerate() {
        give(&mut owner, i, &p.current);
    }
    give(&mut owner, default, &psets[default].requested);
    let free: Vec<u32> = online
        .iter()
        .copied()
        .filter(|c| !owner.contains_key(c))
        .collect();
    let mut free = free.into_iter();
    for i in 0..psets.len() {
        while count[i] < target[i] {
            match free.next() {
                Some(cpu) => {
                    owner.insert(cpu, i);
                    count[i] += 1;
                }
                None => break,
            }
        }
    }

    let mut out: Assignment = psets.iter().map(|p| (p.name.clone(), Vec::new())).collect();
    for (cpu, i) in owner {
        out[i].1.push(cpu);
    }
    Ok(out)
}

fn distinct_online<'a>(cpus: &'a [u32], online: &'a [u32]) -> impl Iterator<Item = u32> + 'a {
    let mut seen = std::collections::HashSet::new();
    cpus.iter()
        .copied()
        .filter(move |c| online.binary_search(c).is_ok() && seen.insert(*c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_set(current: &[u32]) -> PsetDemand {
        PsetDemand {
            name: "pset_default".into(),
            min: 1,
            max: 65536,
            importance: 1,
            is_default: true,
            current: current.to_vec(),
            ..Default::default()
        }
    }

    fn set(name: &str, min: u64, max: u64, importance: i64) -> PsetDemand {
        PsetDemand {
            name: name.into(),
            min,
            max,
            importance,
            has_pools: true,
            ..Default::default()
        }
    }

    fn cpus(n: u32) -> Vec<u32> {
        (0..n).collect()
    }

    fn sizes(a: &Assignment) -> Vec<usize> {
        a.iter().map(|(_, c)| c.len()).collect()
    }

    fn moves(before: &[PsetDemand], after: &Assignment) -> usize {
        before
            .iter()
            .zip(after)
            .map(|(b, (_, cpus))| cpus.iter().filter(|c| !b.current.contains(c)).count())
            .sum()
    }

    #[test]
    fn everything_to_default_alone() {
        let a = allocate(&[default_set(&[])], &cpus(4), Surplus::ByImportance).unwrap();
        assert_eq!(a, vec![("pset_default".to_string(), vec![0, 1, 2, 3])]);
    }

    #[test]
    fn one_cpu_machine() {
        let a = allocate(
            &[default_set(&[0]), set("a", 0, 4, 5)],
            &[0],
            Surplus::ByImportance,
        )
        .unwrap();
        assert_eq!(sizes(&a), [1, 0]);
        let e = allocate(
            &[default_set(&[0]), set("a", 1, 4, 5)],
            &[0],
            Surplus::ByImportance,
        )
        .unwrap_err();
        assert_eq!(
            e,
            AllocError::NotEnoughCpus {
                required: 2,
                available: 1
            }
        );
    }

    #[test]
    fn not_enough_cpus() {
        let e = allocate(
            &[default_set(&[]), set("a", 2, 2, 1), set("b", 2, 4, 1)],
            &cpus(4),
            Surplus::ByImportance,
        )
        .unwrap_err();
        assert!(matches!(
            e,
            AllocError::NotEnoughCpus {
                required: 5,
                available: 4
            }
        ));
    }

    #[test]
    fn importance_then_caps_then_default() {
        let a = allocate(
            &[default_set(&[]), set("low", 1, 8, 1), set("high", 1, 3, 10)],
            &cpus(8),
            Surplus::ByImportance,
        )
        .unwrap();
        // high is capped at 3, low takes the rest up to its max, default keeps 1
        assert_eq!(sizes(&a), [1, 4, 3]);
        let a = allocate(
            &[default_set(&[]), set("low", 1, 2, 1), set("high", 1, 3, 10)],
            &cpus(8),
            Surplus::ByImportance,
        )
        .unwrap();
        assert_eq!(sizes(&a), [3, 2, 3]);
    }

    #[test]
    fn sets_without_pools_get_only_their_minimum() {
        let mut idle = set("idle", 1, 8, 10);
        idle.has_pools = false;
        let a = allocate(&[default_set(&[]), idle], &cpus(8), Surplus::ByImportance).unwrap();
        assert_eq!(sizes(&a), [7, 1]);
    }

    #[test]
    fn surplus_to_default() {
        let a = allocate(
            &[default_set(&[]), set("a", 1, 8, 10)],
            &cpus(8),
            Surplus::ToDefault,
        )
        .unwrap();
        assert_eq!(sizes(&a), [7, 1]);
    }

    #[test]
    fn ties_share_evenly() {
        let a = allocate(
            &[default_set(&[]), set("a", 0, 100, 5), set("b", 0, 100, 5)],
            &cpus(9),
            Surplus::ByImportance,
        )
        .unwrap();
        assert_eq!(sizes(&a), [1, 4, 4]);
        let a = allocate(
            &[default_set(&[]), set("a", 3, 100, 5), set("b", 0, 100, 5)],
            &cpus(8),
            Surplus::ByImportance,
        )
        .unwrap();
        assert_eq!(sizes(&a), [1, 4, 3]);
    }

    #[test]
    fn ties_prefer_the_set_holding_the_cpu() {
        let mut a = set("a", 0, 10, 1);
        let mut b = set("b", 0, 10, 1);
        a.current = vec![1];
        b.current = vec![2, 3];
        let d = default_set(&[0]);
        let demands = [d, a, b];
        let out = allocate(&demands, &cpus(4), Surplus::ByImportance).unwrap();
        assert_eq!(sizes(&out), [1, 1, 2]);
        assert_eq!(moves(&demands, &out), 0);
    }

    #[test]
    fn default_max_too_small() {
        let mut d = default_set(&[]);
        d.max = 2;
        let e = allocate(&[d, set("a", 0, 1, 1)], &cpus(4), Surplus::ByImportance).unwrap_err();
        assert_eq!(
            e,
            AllocError::TooManyCpus {
                capacity: 3,
                available: 4
            }
        );
    }

    #[test]
    fn min_above_max_and_no_default() {
        assert!(matches!(
            allocate(
                &[default_set(&[]), set("a", 3, 2, 1)],
                &cpus(4),
                Surplus::ByImportance
            ),
            Err(AllocError::MinAboveMax { .. })
        ));
        assert_eq!(
            allocate(&[set("a", 0, 2, 1)], &cpus(4), Surplus::ByImportance),
            Err(AllocError::NoDefaultPset)
        );
    }

    #[test]
    fn pinned_cpus_stay() {
        let mut d = default_set(&[0, 1, 2, 3]);
        d.pinned = vec![3];
        let out = allocate(&[d, set("a", 3, 3, 1)], &cpus(4), Surplus::ByImportance).unwrap();
        assert_eq!(out[0].1, vec![3]);
        assert_eq!(out[1].1, vec![0, 1, 2]);
        // more pinned CPUs than the set may hold
        let mut a = set("a", 0, 1, 1);
        a.pinned = vec![1, 2];
        assert!(matches!(
            allocate(&[default_set(&[]), a], &cpus(4), Surplus::ByImportance),
            Err(AllocError::PinnedAboveMax { .. })
        ));
        // pinned to two sets
        let mut a = set("a", 0, 2, 1);
        a.pinned = vec![1];
        let mut d = default_set(&[]);
        d.pinned = vec![1];
        assert!(matches!(
            allocate(&[d, a], &cpus(4), Surplus::ByImportance),
            Err(AllocError::PinnedTwice { cpu: 1, .. })
        ));
        // the pinned CPU forces the minimum up
        let mut d = default_set(&[0, 1, 2, 3]);
        d.pinned = vec![0, 1];
        let e = allocate(&[d, set("a", 3, 3, 1)], &cpus(4), Surplus::ByImportance).unwrap_err();
        assert!(matches!(e, AllocError::NotEnoughCpus { .. }));
    }

    #[test]
    fn explicit_transfers_are_respected() {
        let mut a = set("a", 0, 2, 0);
        a.requested = vec![3, 2];
        let mut d = default_set(&[0, 1, 2, 3]);
        d.requested = vec![0, 1, 2, 3];
        let out = allocate(&[d, a], &cpus(4), Surplus::ByImportance).unwrap();
        assert_eq!(out[1].1, vec![2, 3]);
        assert_eq!(out[0].1, vec![0, 1]);
        // beyond max, only max of them
        let mut a = set("a", 0, 1, 0);
        a.requested = vec![3, 2];
        let out = allocate(&[default_set(&[]), a], &cpus(4), Surplus::ByImportance).unwrap();
        assert_eq!(out[1].1, vec![2]);
        // offline CPUs are ignored
        let mut a = set("a", 0, 4, 0);
        a.requested = vec![7];
        let out = allocate(&[default_set(&[]), a], &cpus(4), Surplus::ByImportance).unwrap();
        assert_eq!(sizes(&out), [1, 3]);
        assert!(!out[1].1.contains(&7));
    }

    #[test]
    fn moves_are_minimal() {
        let mut a = set("a", 2, 2, 1);
        a.current = vec![5, 6];
        let mut b = set("b", 1, 1, 1);
        b.current = vec![1];
        let d = default_set(&[0, 2, 3, 4, 7]);
        let demands = [d, a, b];
        let out = allocate(&demands, &cpus(8), Surplus::ByImportance).unwrap();
        assert_eq!(moves(&demands, &out), 0);
        // growing one set takes one CPU from the default set and moves nothing else
        let mut demands = demands.clone();
        demands[1].min = 3;
        demands[1].max = 3;
        let out = allocate(&demands, &cpus(8), Surplus::ByImportance).unwrap();
        assert_eq!(moves(&demands, &out), 1);
        assert!(out[1].1.contains(&5) && out[1].1.contains(&6));
        assert_eq!(out[2].1, vec![1]);
    }

    #[test]
    fn sixty_four_cpus() {
        let online = cpus(64);
        let demands = [
            default_set(&online),
            set("db", 8, 32, 10),
            set("web", 4, 16, 5),
            set("batch", 0, 64, 1),
        ];
        let out = allocate(&demands, &online, Surplus::ByImportance).unwrap();
        assert_eq!(sizes(&out), [1, 32, 16, 15]);
        let all: std::collections::BTreeSet<u32> =
            out.iter().flat_map(|(_, c)| c.iter().copied()).collect();
        assert_eq!(all.len(), 64);
        // running it again from the result moves nothing
        let again: Vec<PsetDemand> = demands
            .iter()
            .zip(&out)
            .map(|(d, (_, c))| PsetDemand {
                current: c.clone(),
                ..d.clone()
            })
            .collect();
        let out2 = allocate(&again, &online, Surplus::ByImportance).unwrap();
        assert_eq!(out2, out);
        assert_eq!(moves(&again, &out2), 0);
    }

    #[test]
    fn every_cpu_is_placed_exactly_once() {
        let online = [0, 2, 4, 6, 8, 10];
        let mut a = set("a", 1, 3, 2);
        a.current = vec![0, 1, 2];
        let demands = [default_set(&[4, 6]), a, set("b", 1, 1, 3)];
        let out = allocate(&demands, &online, Surplus::ByImportance).unwrap();
        let mut all: Vec<u32> = out.iter().flat_map(|(_, c)| c.iter().copied()).collect();
        all.sort_unstable();
        assert_eq!(all, online);
        assert_eq!(sizes(&out), [2, 3, 1]);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn demand() -> impl Strategy<Value = PsetDemand> {
            (
                0u64..6,
                0u64..12,
                -3i64..4,
                any::<bool>(),
                proptest::collection::vec(0u32..24, 0..6),
                proptest::collection::vec(0u32..24, 0..2),
                proptest::collection::vec(0u32..24, 0..4),
            )
                .prop_map(
                    |(min, extra, importance, has_pools, current, pinned, requested)| PsetDemand {
                        name: String::new(),
                        min,
                        max: min + extra,
                        importance,
                        has_pools,
                        is_default: false,
                        current,
                        pinned,
                        requested,
                    },
                )
        }

        proptest! {
            #[test]
            fn layouts_are_sound(
                default in demand(),
                others in proptest::collection::vec(demand(), 0..5),
                online in proptest::collection::btree_set(0u32..24, 0..24),
                surplus_to_default in any::<bool>(),
            ) {
                let mut psets = vec![PsetDemand { is_default: true, max: 65536, ..default }];
                psets.extend(others);
                for (i, p) in psets.iter_mut().enumerate() {
                    p.name = format!("s{i}");
                }
                let online: Vec<u32> = online.into_iter().collect();
                let surplus = if surplus_to_default { Surplus::ToDefault } else { Surplus::ByImportance };
                if let Ok(out) = allocate(&psets, &online, surplus) {
                    let mut all: Vec<u32> = out.iter().flat_map(|(_, c)| c.iter().copied()).collect();
                    all.sort_unstable();
                    prop_assert_eq!(&all, &online);
                    for (p, (_, cpus)) in psets.iter().zip(&out) {
                        let n = cpus.len() as u64;
                        prop_assert!(n >= p.min);
                        prop_assert!(n <= p.max);
                        if p.is_default {
                            prop_assert!(n >= 1);
                        }
                        for c in &p.pinned {
                            if online.contains(c) {
                                prop_assert!(cpus.contains(c));
                            }
                        }
                    }
                    // allocating again from the result moves nothing
                    let again: Vec<PsetDemand> = psets
                        .iter()
                        .zip(&out)
                        .map(|(p, (_, c))| PsetDemand { current: c.clone(), requested: c.clone(), ..p.clone() })
                        .collect();
                    prop_assert_eq!(allocate(&again, &online, surplus).ok(), Some(out));
                }
            }
        }
    }
}
