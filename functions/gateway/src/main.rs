//! The `gateway`: one port in front of the route-group functions in a container stack.

use std::process::ExitCode;

fn main() -> ExitCode {
    gateway::run()
}
