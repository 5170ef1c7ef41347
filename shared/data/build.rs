//! Writes MailChecker's list of disposable e-mail domains (from the `mailchecker` crate, the
//! maintained list the original uses) into `OUT_DIR/disposable_domains.txt`, sorted, one per line.
//! The crate keeps the list as a static array of `&str` (a pointer and a relocation per entry:
//! about 1 MB of every function zip that links it); one text blob costs a third of that.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let mut domains = mailchecker::blacklist();
    domains.sort_unstable();
    domains.dedup();
    let mut text = String::with_capacity(domains.len() * 20);
    for domain in domains {
        let _ = writeln!(text, "{domain}");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("disposable_domains.txt"), text).expect("write the domain list");
    println!("cargo:rerun-if-changed=build.rs");
}
