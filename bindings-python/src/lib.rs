//! Python binding of the gouvconnect core (`gouvconnect._native`). The pure-Python package
//! `gouvconnect` is the public, typed face of it; errors are raised as the classes of
//! `gouvconnect.errors`, one per stable code.

mod client;
mod convert;
mod helpers;
mod live;
mod practice;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::Client>()?;
    m.add_class::<helpers::Mapping>()?;
    m.add_function(wrap_pyfunction!(helpers::safe_next_path, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::login_origin_redirect, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::button_html, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::provider_kind, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::error_page_html, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::acr_satisfies, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::step_up_options, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::is_page_view, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::is_step_up, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::is_support_link, m)?)?;
    m.add_function(wrap_pyfunction!(helpers::email_trusted, m)?)?;
    m.add("PAGE_VIEW_HEADERS", gouvconnect::PAGE_VIEW_HEADERS)?;
    m.add_function(wrap_pyfunction!(practice::practices, m)?)?;
    m.add_function(wrap_pyfunction!(practice::with_practice, m)?)?;
    m.add_function(wrap_pyfunction!(live::doctor, m)?)?;
    m.add_function(wrap_pyfunction!(live::audit_event, m)?)?;
    m.add("BUTTON_CSS", gouvconnect::BUTTON_CSS)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
