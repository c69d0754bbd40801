//! Where webhooks may go: https to globally routable addresses, checked at every connection
//! by the resolver (redirects are never followed), plus the ranges `WEBHOOK_ALLOWED_CIDRS`
//! lets through, where plain http is allowed too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()          // 169.254/16, cloud metadata among them
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || a == 0                       // "this network"
        || (a == 100 && (64..128).contains(&b))   // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0)         // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19))     // benchmarking
        || a >= 240) // reserved
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_global_v4(v4);
    }
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00   // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80   // link-local fe80::/10
        || first == 0x2001 && ip.segments()[1] == 0x0db8   // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b   // NAT64 reaches IPv4 anywhere
        || ip.segments()[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible
}

/// Globally routable: no private, loopback, link-local, CGNAT, mapped or metadata address.
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => is_global_v6(v6),
    }
}

/// The rule a connection must pass.
#[derive(Debug, Clone)]
pub struct TargetPolicy {
    pub allowed: Vec<IpNet>,
}

impl TargetPolicy {
    fn in_allowed(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            other => other,
        };
        self.allowed.iter().any(|net| net.contains(&ip))
    }

    /// Whether a connection to `ip` is allowed, for https (`plain_http` false) or http.
    pub fn permits(&self, ip: IpAddr, plain_http: bool) -> bool {
        if plain_http {
            self.in_allowed(ip)
        } else {
            is_global(ip) || self.in_allowed(ip)
        }
    }

    /// Checks a URL's form: http(s), no credentials, http only when allowed ranges exist.
    pub fn check_url(&self, url: &str) -> Result<Url, String> {
        let parsed = Url::parse(url).map_err(|_| "is not a URL".to_string())?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("must not carry credentials".into());
        }
        match parsed.scheme() {
            "https" => {}
            "http" if !self.allowed.is_empty() => {}
            "http" => {
                return Err(
                    "must use https (plain http only to ranges WEBHOOK_ALLOWED_CIDRS lets through)"
                        .into(),
                );
            }
            _ => return Err("must be an https URL".into()),
        }
        if parsed.host().is_none() {
            return Err("has no host".into());
        }
        Ok(parsed)
    }

    /// Refuses an IP-literal host the resolver would never see.
    pub fn check_literal(&self, url: &Url) -> Result<(), String> {
        let plain_http = url.scheme() == "http";
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            _ => return Ok(()),
        };
        if self.permits(ip, plain_http) {
            Ok(())
        } else {
            Err(format!("refused: {ip} is not an allowed destination"))
        }
    }
}

/// A resolver that drops every address the policy does not permit, at connection time.
pub struct GuardedResolver {
    pub policy: Arc<TargetPolicy>,
    pub plain_http: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let plain_http = self.plain_http;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| policy.permits(a.ip(), plain_http))
                .collect();
            if allowed.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> =
                    format!("refused: {host} resolves to no allowed address").into();
                return Err(error);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_globally_routable_addresses_pass() {
        for blocked in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fc00::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(
                !is_global(blocked.parse().expect(blocked)),
                "{blocked} passed"
            );
        }
        for open in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_global(open.parse().expect(open)), "{open} refused");
        }
    }

    #[test]
    fn allowed_ranges_let_chosen_private_addresses_through() {
        let policy = TargetPolicy {
            allowed: vec!["127.0.0.0/8".parse().expect("net")],
        };
        assert!(policy.permits("127.0.0.1".parse().expect("ip"), true));
        assert!(policy.permits("::ffff:127.0.0.1".parse().expect("ip"), false));
        assert!(!policy.permits("10.0.0.1".parse().expect("ip"), false));
        assert!(
            !policy.permits("8.8.8.8".parse().expect("ip"), true),
            "plain http only inside the allowed ranges"
        );
        assert!(policy.check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(
            TargetPolicy { allowed: vec![] }
                .check_url("http://crm.example/hook")
                .is_err()
        );
        assert!(
            policy
                .check_url("https://user:pw@crm.example/hook")
                .is_err()
        );
        assert!(policy.check_url("ftp://crm.example/hook").is_err());
    }
}
