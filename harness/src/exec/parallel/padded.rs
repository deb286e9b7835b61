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
pub type Slots<T> = Box<[Padded<std::sync::Mutex<T>>]>;

/// `n` slots holding `T::default()`.
pub fn slots<T: Default>(n: usize) -> Slots<T> {
    (0..n).map(|_| Padded::default()).collect()
}
