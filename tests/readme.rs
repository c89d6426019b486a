//! The README shows the loop's diagram exactly as the code generates it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn readme_diagram_is_the_generated_one() {
    let readme = include_str!("../README.md");
    let start =
        readme.find("```mermaid\n").expect("README has a mermaid block") + "```mermaid\n".len();
    let end = start + readme[start..].find("```").expect("the mermaid block is closed");
    assert_eq!(
        &readme[start..end],
        hazardloop::workflow::to_mermaid(),
        "README's diagram differs from to_mermaid(); paste the new one in"
    );
}
