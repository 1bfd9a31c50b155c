// A function returning `()`: nothing to tell failure by.

use retry_runtime::retry;

#[retry]
fn ping() {}

fn main() {}
