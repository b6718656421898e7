//! [`ClientIp`]: the address a request came from, decided once per request (by the outer layer
//! in `http/mod.rs`) and kept as a request extension, so the rate limiter and later per-route
//! policies (an IP allow-list) read the same answer.
//!
//! The client is the socket peer, unless `server.trusted_proxies` lists the peer: then it is the
//! right-most `X-Forwarded-For` hop that is not itself a trusted proxy (hops further left were
//! written by the client and prove nothing). A forged header from an untrusted peer changes
//! nothing.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr};

/// The client address of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The proxies whose `X-Forwarded-For` is believed (`server.trusted_proxies`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses and CIDR blocks; an entry that is neither is an error naming it.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let mut nets = Vec::with_capacity(entries.len());
        for entry in entries {
            let net = match entry.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => match entry.parse::<IpAddr>() {
                    Ok(address) => IpNet::from(address),
                    Err(_) => return Err(format!("{entry:?} is not an IP address or CIDR block")),
                },
            };
            nets.push(net.trunc());
        }
        Ok(Self(nets))
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client of a request from `peer` with these headers.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> ClientIp {
        let peer = canonical(peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
        if self.0.is_empty() || !self.trusts(peer) {
            return ClientIp(peer);
        }
        // Every X-Forwarded-For line, in order, read right to left: the first hop that is not a
        // trusted proxy is the client. A hop that is not an address ends the search there (a
        // trusted proxy never writes one), and the last trusted hop stands.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(address) = parse_hop(hop) else { break };
            client = canonical(address);
            if !self.trusts(client) {
                break;
            }
        }
        ClientIp(client)
    }
}

/// An `X-Forwarded-For` hop: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = hop.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    None
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as the IPv4 address they are.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8".into()]).unwrap();
        let client = trusted.client_ip(Some(ip("203.0.113.9")), &forwarded("1.1.1.1"));
        assert_eq!(client, ClientIp(ip("203.0.113.9")));
        let nobody = TrustedProxies::default();
        assert_eq!(nobody.client_ip(Some(ip("10.0.0.1")), &forwarded("1.1.1.1")), ClientIp(ip("10.0.0.1")));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8".into(), "192.0.2.7".into()]).unwrap();
        let headers = forwarded("6.6.6.6, 198.51.100.4, 192.0.2.7");
        assert_eq!(trusted.client_ip(Some(ip("10.1.2.3")), &headers), ClientIp(ip("198.51.100.4")));
        let mut two_lines = forwarded("6.6.6.6");
        two_lines.append("x-forwarded-for", HeaderValue::from_static("198.51.100.5:4711"));
        assert_eq!(trusted.client_ip(Some(ip("10.1.2.3")), &two_lines), ClientIp(ip("198.51.100.5")));
        assert_eq!(trusted.client_ip(Some(ip("10.1.2.3")), &HeaderMap::new()), ClientIp(ip("10.1.2.3")));
        assert_eq!(trusted.client_ip(Some(ip("10.1.2.3")), &forwarded("junk")), ClientIp(ip("10.1.2.3")));
        assert_eq!(trusted.client_ip(Some(ip("::ffff:10.1.2.3")), &forwarded("1.2.3.4")), ClientIp(ip("1.2.3.4")));
    }

    #[test]
    fn entries_that_are_not_addresses_are_refused_by_name() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).unwrap_err().contains("10.0.0.0/33"));
        assert!(TrustedProxies::parse(&["proxy.local".into()]).is_err());
        assert!(TrustedProxies::parse(&["::1".into(), "fd00::/8".into()]).is_ok());
    }
}
