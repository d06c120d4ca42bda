//! Prints the official buttons' CSS (the Keycloak theme's stylesheet is generated from it).
fn main() {
    print!("{}", gouvconnect::BUTTON_CSS);
}
