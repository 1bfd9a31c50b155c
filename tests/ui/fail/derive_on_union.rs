// Unions cannot be classified.
use retry_runtime::Classify;

#[derive(Classify)]
#[classify(transient)]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
