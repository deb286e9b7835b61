//! The collaborative scheduler of Block-STM (Gelashvili et al., PPoPP'23): shared
//! execution and validation indices hand out tasks to whichever thread asks; a failed
//! validation or a read of an estimate sends a transaction back for re-execution.

use super::padded::{Padded, Slots, slots};
use crate::lock;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

/// (transaction index, incarnation).
pub type Version = (u32, u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Execute(Version),
    Validate(Version),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Status {
    #[default]
    Ready,
    Executing,
    Executed,
    Aborting,
}

#[derive(Debug)]
pub struct Scheduler {
    txs: usize,
    execution_idx: Padded<AtomicUsize>,
    validation_idx: Padded<AtomicUsize>,
    decrease_cnt: Padded<AtomicUsize>,
    active_tasks: Padded<AtomicUsize>,
    done: Padded<AtomicBool>,
    status: Slots<(u32, Status)>,
    dependents: Slots<Vec<u32>>,
}

impl Scheduler {
    pub fn new(txs: usize) -> Self {
        Self {
            txs,
            execution_idx: Padded(AtomicUsize::new(0)),
            validation_idx: Padded(AtomicUsize::new(0)),
            decrease_cnt: Padded(AtomicUsize::new(0)),
            active_tasks: Padded(AtomicUsize::new(0)),
            done: Padded(AtomicBool::new(false)),
            status: slots(txs),
            dependents: slots(txs),
        }
    }

    pub fn done(&self) -> bool {
        self.done.load(SeqCst)
    }

    /// Ends the block early (a worker found something the parallel path cannot do).
    pub fn halt(&self) {
        self.done.store(true, SeqCst);
    }

    fn decrease_execution_idx(&self, target: usize) {
        self.execution_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    fn decrease_validation_idx(&self, target: usize) {
        self.validation_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    fn check_done(&self) {
        let observed = self.decrease_cnt.load(SeqCst);
        if self.execution_idx.load(SeqCst).min(self.validation_idx.load(SeqCst)) >= self.txs
            && self.active_tasks.load(SeqCst) == 0
            && observed == self.decrease_cnt.load(SeqCst)
        {
            self.done.store(true, SeqCst);
        }
    }

    /// Claims `txn` for execution if it is ready.
    fn try_incarnate(&self, txn: usize) -> Option<Version> {
        if txn < self.txs {
            let mut s = lock(&self.status[txn]);
            if s.1 == Status::Ready {
                s.1 = Status::Executing;
                return Some((txn as u32, s.0));
            }
        }
        None
    }

    fn next_to_execute(&self) -> Option<Version> {
        if self.execution_idx.load(SeqCst) >= self.txs {
            self.check_done();
            return None;
        }
        self.active_tasks.fetch_add(1, SeqCst);
        let v = self.try_incarnate(self.execution_idx.fetch_add(1, SeqCst));
        if v.is_none() {
            self.active_tasks.fetch_sub(1, SeqCst);
        }
        v
    }

    fn next_to_validate(&self) -> Option<Version> {
        if self.validation_idx.load(SeqCst) >= self.txs {
            self.check_done();
            return None;
        }
        self.active_tasks.fetch_add(1, SeqCst);
        let idx = self.validation_idx.fetch_add(1, SeqCst);
        if idx < self.txs {
            let s = *lock(&self.status[idx]);
            if s.1 == Status::Executed {
                return Some((idx as u32, s.0));
            }
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// Whether every execution and validation has been handed out (what is left is
    /// running on other threads, or will be re-scheduled by them).
    pub fn all_handed_out(&self) -> bool {
        self.execution_idx.load(SeqCst).min(self.validation_idx.load(SeqCst)) >= self.txs
    }

    /// The next task, validations first when they lag behind executions.
    pub fn next_task(&self) -> Option<Task> {
        if self.validation_idx.load(SeqCst) < self.execution_idx.load(SeqCst) {
            self.next_to_validate().map(Task::Validate)
        } else {
            self.next_to_execute().map(Task::Execute)
        }
    }

    /// `txn` read an estimate of `blocking`: park it until `blocking` executes again.
    /// False when `blocking` has already finished (re-execute `txn` right away).
    pub fn add_dependency(&self, txn: u32, blocking: u32) -> bool {
        let mut deps = lock(&self.dependents[blocking as usize]);
        if lock(&self.status[blocking as usize]).1 == Status::Executed {
            return false;
        }
        lock(&self.status[txn as usize]).1 = Status::Aborting;
        deps.push(txn);
        drop(deps);
        self.active_tasks.fetch_sub(1, SeqCst);
        true
    }

    fn set_ready(&self, txn: usize) {
        let mut s = lock(&self.status[txn]);
        *s = (s.0 + 1, Status::Ready);
    }

    /// An execution of `version` finished; returns its validation when it can be done
    /// right away.
    pub fn finish_execution(&self, (txn, inc): Version, wrote_new: bool) -> Option<Task> {
        let idx = txn as usize;
        lock(&self.status[idx]).1 = Status::Executed;
        let deps = core::mem::take(&mut *lock(&self.dependents[idx]));
        if let Some(&min) = deps.iter().min() {
            for d in &deps {
                self.set_ready(*d as usize);
            }
            self.decrease_execution_idx(min as usize);
        }
        if self.validation_idx.load(SeqCst) > idx {
            if !wrote_new {
                return Some(Task::Validate((txn, inc)));
            }
            self.decrease_validation_idx(idx);
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// Aborts incarnation `inc` of `txn` unless someone else already did.
    pub fn try_validation_abort(&self, (txn, inc): Version) -> bool {
        let mut s = lock(&self.status[txn as usize]);
        if *s == (inc, Status::Executed) {
            s.1 = Status::Aborting;
            return true;
        }
        false
    }

    /// A validation of `txn` finished; after an abort, returns its re-execution.
    pub fn finish_validation(&self, txn: u32, aborted: bool) -> Option<Task> {
        let idx = txn as usize;
        if aborted {
            self.set_ready(idx);
            self.decrease_validation_idx(idx + 1);
            if self.execution_idx.load(SeqCst) > idx
                && let Some(v) = self.try_incarnate(idx)
            {
                return Some(Task::Execute(v));
            }
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }
}
