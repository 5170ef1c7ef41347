//! The one way functions build clients for outside services (Loops, the Review Factory, …):
//! every client has a total timeout and a connect timeout, or the function does not start.
//!
//! Clients that fetch what users name (the validation worker: itch.io pages and their
//! redirects, the GitHub API) are built with [`guarded_builder`]: they connect only to public
//! addresses ([`Egress`]). A host name is resolved and its forbidden addresses are dropped
//! before connecting (so DNS cannot point one inside), and a URL naming a forbidden address
//! itself is refused by [`Egress::check_url`], which the caller runs before each request and
//! each redirect (reqwest connects to an IP literal without asking the resolver).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::{ConfigError, Vars};

/// How long connecting to an outside service may take, within the total `timeout`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A client whose every request gives up after `timeout`. A client that cannot be built (no TLS
/// roots, say) is a start-up error, never a silent fallback to a client without timeouts.
pub fn client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    builder(timeout).build().map_err(|e| ConfigError::Invalid {
        name: "outbound HTTP client".to_owned(),
        reason: e.to_string(),
    })
}

/// The builder behind [`client`], for a client that needs more (no redirects, a proxy): the
/// timeouts and user agent are already set.
pub fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .user_agent(concat!("podium/", env!("CARGO_PKG_VERSION")))
}

/// [`builder`] for requests to addresses users choose: host names are resolved by a resolver
/// that keeps only the addresses `egress` allows (none left: the request fails with
/// [`Refused`]), and no proxy is taken from the environment (a proxy resolves names itself, out
/// of the resolver's sight; one set explicitly on the builder is the operator's choice). The
/// caller checks each URL with [`Egress::check_url`] before sending it and in its redirect
/// policy, for the hosts that are IP addresses.
pub fn guarded_builder(timeout: Duration, egress: Egress) -> reqwest::ClientBuilder {
    builder(timeout)
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver { egress }))
}

/// The setting that lets outbound requests reach this machine's loopback addresses (tests and
/// `make dev`, whose fakes listen on 127.0.0.1).
pub const ALLOW_LOOPBACK_VAR: &str = "PODIUM_OUTBOUND_ALLOW_LOOPBACK";

/// Which addresses a guarded client may connect to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Egress {
    /// Public addresses only (the default, and the only choice in production).
    #[default]
    Public,
    /// Public addresses and loopback (127.0.0.0/8, ::1): `PODIUM_OUTBOUND_ALLOW_LOOPBACK=1`,
    /// outside production. Everything else stays refused.
    PublicAndLoopback,
}

impl Egress {
    /// `PODIUM_OUTBOUND_ALLOW_LOOPBACK=1` → [`Egress::PublicAndLoopback`]; unset, empty or `0` →
    /// [`Egress::Public`]. With `PODIUM_ENV=production` the opt-in is refused: the function does
    /// not start.
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::Invalid {
            name: ALLOW_LOOPBACK_VAR.to_owned(),
            reason: reason.to_owned(),
        };
        let egress = match vars.optional(ALLOW_LOOPBACK_VAR).as_deref().map(str::trim) {
            None | Some("" | "0") => Self::Public,
            Some("1") => Self::PublicAndLoopback,
            Some(_) => return Err(invalid("must be 1 or 0")),
        };
        if egress == Self::PublicAndLoopback && vars.is_production()? {
            return Err(invalid("must not be on when PODIUM_ENV=production"));
        }
        Ok(egress)
    }

    /// Why a connection to `ip` is refused, or `None` when it is allowed.
    pub fn refuses(self, ip: IpAddr) -> Option<&'static str> {
        let reason = forbidden(ip)?;
        let loopback = match ip {
            IpAddr::V4(v4) => v4.is_loopback(),
            IpAddr::V6(v6) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        };
        (!(self == Self::PublicAndLoopback && loopback)).then_some(reason)
    }

    /// Refuses a URL whose host is an IP address this egress does not allow (a host name is
    /// checked by the resolver when the client connects).
    pub fn check_url(self, url: &reqwest::Url) -> Result<(), Refused> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        match self.refuses(ip) {
            Some(reason) => Err(Refused {
                host: ip.to_string(),
                reason,
            }),
            None => Ok(()),
        }
    }
}

/// A connection the [`Egress`] did not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("outbound request to {host} refused: {reason}")]
pub struct Refused {
    /// The host name or address asked for.
    pub host: String,
    /// Which kind of address it is (or resolves to).
    pub reason: &'static str,
}

impl Refused {
    /// Whether `err` (a reqwest error, say) was caused by a [`Refused`] anywhere in its chain.
    pub fn caused(err: &(dyn std::error::Error + 'static)) -> bool {
        let mut cause = Some(err);
        while let Some(err) = cause {
            if err.is::<Self>() {
                return true;
            }
            cause = err.source();
        }
        false
    }
}

/// What kind of non-public address `ip` is, or `None` for a public one. IPv4 addresses mapped
/// into IPv6 (`::ffff:a.b.c.d`) or embedded in the NAT64 prefix (`64:ff9b::/96`) are judged as
/// the IPv4 address they name.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, _, _] = ip.octets();
    Some(match (a, b) {
        _ if ip == Ipv4Addr::new(169, 254, 169, 254) => "the instance metadata address",
        (0, _) => "unspecified (0.0.0.0/8)",
        (10, _) => "private (10.0.0.0/8)",
        (100, 64..=127) => "shared address space (100.64.0.0/10, CGNAT)",
        (127, _) => "loopback (127.0.0.0/8)",
        (169, 254) => "link-local (169.254.0.0/16)",
        (172, 16..=31) => "private (172.16.0.0/12)",
        (192, 168) => "private (192.168.0.0/16)",
        (224..=239, _) => "multicast (224.0.0.0/4)",
        (240..=255, _) => "reserved or broadcast (240.0.0.0/4)",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let segments = ip.segments();
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [_, _, _, _, _, _, hi, lo] = segments;
        let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return forbidden_v4(v4);
    }
    Some(match segments[0] {
        _ if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) => {
            "the instance metadata address"
        }
        _ if ip.is_unspecified() => "unspecified (::)",
        _ if ip.is_loopback() => "loopback (::1)",
        // ::/96, IPv4-compatible addresses (deprecated): nothing public lives there.
        0 if segments[..6] == [0; 6] => "IPv4-compatible (::/96)",
        s if s & 0xffc0 == 0xfe80 => "link-local (fe80::/10)",
        s if s & 0xffc0 == 0xfec0 => "site-local (fec0::/10)",
        s if s & 0xfe00 == 0xfc00 => "unique local (fc00::/7)",
        s if s & 0xff00 == 0xff00 => "multicast (ff00::/8)",
        _ => return None,
    })
}

/// Resolves with the system's resolver (`getaddrinfo`, as reqwest's default does), then keeps
/// only the addresses the egress allows.
struct GuardedResolver {
    egress: Egress,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let egress = self.egress;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = found
                .into_iter()
                .partition(|addr| egress.refuses(addr.ip()).is_none());
            if allowed.is_empty() {
                let reason = refused
                    .first()
                    .and_then(|addr| egress.refuses(addr.ip()))
                    .unwrap_or("no address");
                tracing::warn!(%host, reason, "outbound request refused");
                return Err(
                    Box::new(Refused { host, reason }) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            if !refused.is_empty() {
                tracing::warn!(%host, dropped = refused.len(), "non-public addresses dropped from a DNS answer");
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn every_non_public_range_is_refused_and_public_addresses_are_not() {
        for forbidden in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.0.1",
            "169.254.169.254",
            "169.254.170.2",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.1.2.3",
            "64:ff9b::a9fe:a9fe",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "fc00::1",
            "fd00:ec2::254",
            "fdff::1",
            "ff02::1",
        ] {
            assert!(
                forbidden_check(forbidden).is_some(),
                "{forbidden} is refused"
            );
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.167.1.1",
            "192.169.1.1",
            "169.253.1.1",
            "140.82.112.6",
            "::ffff:140.82.112.6",
            "64:ff9b::8c52:7006",
            "2606:4700::1111",
            "2a04:4e42::223",
        ] {
            assert_eq!(forbidden_check(public), None, "{public} is public");
        }
        assert_eq!(
            forbidden(ip("169.254.169.254")),
            Some("the instance metadata address")
        );
        assert_eq!(
            forbidden(ip("fd00:ec2::254")),
            Some("the instance metadata address")
        );
    }

    fn forbidden_check(text: &str) -> Option<&'static str> {
        forbidden(ip(text))
    }

    #[test]
    fn the_loopback_opt_in_allows_loopback_only() {
        let open = Egress::PublicAndLoopback;
        for allowed in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "::ffff:127.0.0.1",
            "8.8.8.8",
        ] {
            assert_eq!(open.refuses(ip(allowed)), None, "{allowed}");
        }
        for refused in [
            "0.0.0.0",
            "10.0.0.1",
            "169.254.169.254",
            "192.168.0.1",
            "fd00:ec2::254",
            "::",
        ] {
            assert!(open.refuses(ip(refused)).is_some(), "{refused}");
        }
        assert!(Egress::Public.refuses(ip("127.0.0.1")).is_some());
    }

    #[test]
    fn urls_naming_a_forbidden_address_are_refused_and_names_are_left_to_the_resolver() {
        let url = |u: &str| reqwest::Url::parse(u).expect("url");
        for refused in [
            "http://127.0.0.1:8080/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://[::1]/",
            "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            assert!(
                Egress::Public.check_url(&url(refused)).is_err(),
                "{refused}"
            );
        }
        for left in [
            "https://api.github.com/",
            "http://localhost/",
            "https://8.8.8.8/",
        ] {
            assert_eq!(Egress::Public.check_url(&url(left)), Ok(()), "{left}");
        }
        assert_eq!(
            Egress::PublicAndLoopback.check_url(&url("http://127.0.0.1:1/")),
            Ok(())
        );
    }

    #[test]
    fn the_loopback_opt_in_is_read_from_the_settings_and_refused_in_production() {
        let vars = |pairs: &[(&str, &str)]| Vars::from_pairs(pairs.iter().copied());
        assert_eq!(Egress::from_vars(&vars(&[])), Ok(Egress::Public));
        assert_eq!(
            Egress::from_vars(&vars(&[(ALLOW_LOOPBACK_VAR, "0")])),
            Ok(Egress::Public)
        );
        assert_eq!(
            Egress::from_vars(&vars(&[(ALLOW_LOOPBACK_VAR, "1")])),
            Ok(Egress::PublicAndLoopback)
        );
        assert!(Egress::from_vars(&vars(&[(ALLOW_LOOPBACK_VAR, "yes")])).is_err());
        assert!(
            Egress::from_vars(&vars(&[
                (ALLOW_LOOPBACK_VAR, "1"),
                ("PODIUM_ENV", "production")
            ]))
            .is_err()
        );
        assert_eq!(
            Egress::from_vars(&vars(&[("PODIUM_ENV", "production")])),
            Ok(Egress::Public)
        );
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_by_the_resolver_unless_opted_in() {
        use reqwest::dns::Resolve;
        let name = |n: &str| n.parse::<reqwest::dns::Name>().expect("name");
        let refused = GuardedResolver {
            egress: Egress::Public,
        }
        .resolve(name("localhost"))
        .await
        .err()
        .expect("refused");
        assert!(Refused::caused(refused.as_ref()), "{refused}");
        let allowed: Vec<SocketAddr> = GuardedResolver {
            egress: Egress::PublicAndLoopback,
        }
        .resolve(name("localhost"))
        .await
        .expect("resolved")
        .collect();
        assert!(!allowed.is_empty() && allowed.iter().all(|a| a.ip().is_loopback()));
    }
}
