//! A value alone on its cache line: counters and per-transaction slots that different
//! threads write would otherwise share lines and bounce between cores.

use core::ops::Deref;

#[derive(Debug, Default)]
#[repr(align(64))]
pub struct Padded<T>(pub T);

impl<T> Deref for Padded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// One lock per transaction, each on its own cache line.
pub type Slots<T> = Vec<Padded<std::sync::Mutex<T>>>;

/// `n` slots holding `T::default()`.
pub fn slots<T: Default>(n: usize) -> Slots<T> {
    (0..n).map(|_| Padded::default()).collect()
}

/// Readies `slots` for a block of `n` transactions, keeping what they allocated: at
/// least `n` slots, the first `n` emptied by `clear`.
pub fn reset<T: Default>(slots: &mut Slots<T>, n: usize, clear: impl Fn(&mut T)) {
    if slots.len() < n {
        slots.resize_with(n, Padded::default);
    }
    for slot in &mut slots[..n] {
        clear(slot.0.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner));
    }
}
