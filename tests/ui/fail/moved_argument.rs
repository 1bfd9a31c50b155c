// A body that moves an argument cannot run twice: no hidden clones.

use std::io;

use retry_runtime::retry;

#[retry]
fn consume(s: String) -> Result<(), io::Error> {
    drop(s);
    Ok(())
}

fn main() {}
