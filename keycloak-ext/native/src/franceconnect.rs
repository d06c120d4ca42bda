//! The native methods of `fr.gouvconnect.keycloak.NativeCore` that FranceConnect+ adds: the
//! public encryption keys the host serves at the URL registered with FranceConnect+
//! (docs/franceconnect.md "Signatures and FranceConnect+ encryption").

use jni::objects::{JClass, JString};
use jni::sys::jlong;
use jni::EnvUnowned;

use crate::convert::{new_string, Outcome, ThrowGouvConnect};
use crate::entry::client;

/// `String clientPublicJwks(long handle)`: the public JWKS of the client's `decryption_keys`
/// (`Client::public_jwks`: public members, `kid`, `use: enc`, never a private member), or null
/// for a provider that does not encrypt its tokens.
#[no_mangle]
pub extern "system" fn Java_fr_gouvconnect_keycloak_NativeCore_clientPublicJwks<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JString<'local> {
    env.with_env(|env| -> Outcome<JString<'local>> {
        match client(handle)?.public_jwks() {
            Some(jwks) => new_string(env, &jwks),
            None => Ok(JString::default()),
        }
    })
    .resolve::<ThrowGouvConnect>()
}
