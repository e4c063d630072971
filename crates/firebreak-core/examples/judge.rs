//! Prints the classifier's judgement of each argument: `cargo run -p firebreak-core --example
//! judge -- 'kubectl -n x delete pod y'`. A quick way to see what a `commands.toml` change does.

fn main() {
    let commands = firebreak_core::runbook::Commands::shipped();
    for text in std::env::args().skip(1) {
        let j = firebreak_core::runbook::judge(&text, None, commands);
        let terminal = if j.interactive { " · interactive" } else { "" };
        println!("{}{terminal}  {text}\n    {}", j.safety, j.reason);
    }
}
