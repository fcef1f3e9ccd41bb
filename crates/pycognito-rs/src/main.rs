//! The `pycognito` command-line tool.

fn main() {
    println!("pycognito: work in progress");
}
