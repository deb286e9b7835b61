//! Turning a workload's contention dials from outside (the executor bench's sweep, the
//! parallel executor's property tests): how many shared items it spreads over, and
//! how it picks among them.

use crate::{Pick, WorkloadSpec};

impl WorkloadSpec {
    /// Sets the pick dial that decides conflicts: the pool, token recipient, collection
    /// or game each transaction touches (native transfers: the recipient). Which settings
    /// these are is the catalog's `pick_fields`.
    pub fn set_pick(&mut self, pick: Pick) {
        for p in self.contention_mut().0 {
            *p = pick;
        }
    }

    /// Sets the number of shared items (pools, tokens, collections, games); native
    /// transfers have none and are left as they are.
    pub fn set_items(&mut self, n: u32) {
        if let Some(items) = self.contention_mut().1 {
            *items = n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dials_land_in_each_workloads_own_fields() {
        let hot = Pick::Hot { ratio: 1.0, set_size: 1 };
        for info in crate::CATALOG {
            let mut w: WorkloadSpec = serde_yaml::from_str(&format!("kind: {}", info.name)).unwrap();
            w.set_pick(hot);
            w.set_items(3);
            let yaml = serde_yaml::to_string(&w).unwrap();
            for field in info.pick_fields {
                assert!(yaml.contains(&format!("\n{field}: hot(1, 1)\n")), "{}: {yaml}", info.name);
            }
            match info.items_field {
                Some(field) => assert!(yaml.contains(&format!("\n{field}: 3\n")), "{}: {yaml}", info.name),
                None => assert!(!yaml.contains(": 3\n"), "{}: {yaml}", info.name),
            }
        }
    }
}
