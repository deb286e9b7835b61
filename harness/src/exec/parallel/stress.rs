//! Stress mode: random yields and spins inside state reads, so that tests see
//! interleavings a quiet machine would rarely produce.

use rand::Rng;

/// Maybe yields the thread, maybe spins a little, maybe neither.
pub fn perturb() {
    let mut rng = rand::rng();
    match rng.random_range(0..8u8) {
        0 | 1 => std::thread::yield_now(),
        2 => {
            for _ in 0..rng.random_range(0..2_000u32) {
                core::hint::spin_loop();
            }
        }
        _ => {}
    }
}
