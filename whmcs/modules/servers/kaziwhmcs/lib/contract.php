<?php
/**
 * The webhook contract's request: the parameters the bridge reads, taken from
 * WHMCS's $params, and the HMAC signature.
 */

namespace KaziWhmcs;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

const SERVICE_COMMANDS = ['CreateAccount', 'SuspendAccount', 'UnsuspendAccount', 'TerminateAccount', 'ChangePassword', 'ChangePackage'];
const CONTACT_FIELDS = [
    'firstname', 'lastname', 'companyname', 'email', 'address1', 'address2',
    'city', 'state', 'postcode', 'countryname', 'phonenumber',
    // The client's language as WHMCS names it ("german"); the bridge's client area speaks it.
    'language',
];
const MASK = '********';

/**
 * A positive integer id as the bridge accepts it, or null when absent or not an id.
 */
function id_value($value): ?int
{
    if (is_int($value)) {
        return $value > 0 ? $value : null;
    }
    if (is_string($value) && preg_match('/^\s*0*([1-9][0-9]{0,9})\s*$/', $value, $m)) {
        return (int) $m[1];
    }
    return null;
}

/**
 * A scalar parameter as the string the contract wants, or null when absent.
 */
function text_value($value): ?string
{
    if ($value === null || is_array($value) || is_object($value)) {
        return null;
    }
    if (is_bool($value)) {
        return $value ? '1' : '';
    }
    return (string) $value;
}

/**
 * [host without scheme or path, port written in it or null].
 *
 * Admins type "panel.example.net:4433" (as the original module wanted) or
 * sometimes a whole URL; both come out as host[:port].
 */
function host_split(string $raw): array
{
    $host = trim($raw);
    $host = preg_replace('#^[a-z][a-z0-9+.-]*://#i', '', $host);
    $host = preg_replace('#[/?\#].*$#', '', $host);
    if (preg_match('/^(.*[^:\]]|\[.*\]):([0-9]{1,5})$/', $host, $m)) {
        return [$host, (int) $m[2]];
    }
    return [$host, null];
}

function server_is_secure(array $params): bool
{
    $secure = $params['serversecure'] ?? null;
    if ($secure === true || in_array(strtolower(trim((string) $secure)), ['on', '1', 'true', 'yes'], true)) {
        return true;
    }
    if (($secure === null || $secure === '') && isset($params['serverhttpprefix'])) {
        return strtolower((string) $params['serverhttpprefix']) === 'https';
    }
    return false;
}

/**
 * The server's part of the contract: id, host (the IP when WHMCS has no host
 * name), port, https and the reseller's credentials.
 */
function server_params(array $params): array
{
    list($host) = host_split((string) text_value($params['serverhostname'] ?? null));
    list($ip) = host_split((string) text_value($params['serverip'] ?? null));
    $port = id_value($params['serverport'] ?? null);
    $out = [
        'serverid' => id_value($params['serverid'] ?? null),
        'serverhostname' => $host !== '' ? $host : ($ip !== '' ? $ip : null),
        'serverip' => $ip !== '' ? $ip : null,
        // A port written in the host name wins at the bridge, as it did in the original module.
        'serverport' => $port !== null && $port <= 65535 ? $port : null,
        'serversecure' => server_is_secure($params) ? 'on' : '',
        'serverusername' => text_value($params['serverusername'] ?? null),
        'serverpassword' => text_value($params['serverpassword'] ?? null),
        'servername' => text_value($params['servername'] ?? null),
    ];
    return array_filter($out, function ($value) {
        return $value !== null;
    });
}

/**
 * The contract's params for one command. The service's password travels only
 * with the two commands that set it: the bridge ignores it elsewhere.
 */
function contract_params(string $command, array $params): array
{
    $out = server_params($params);
    if (!in_array($command, SERVICE_COMMANDS, true)) {
        return $out;
    }
    $service = [
        'serviceid' => id_value($params['serviceid'] ?? null),
        'userid' => id_value($params['userid'] ?? null),
        'pid' => id_value($params['pid'] ?? null),
        'domain' => text_value($params['domain'] ?? null),
        'username' => text_value($params['username'] ?? null),
        'configoption1' => text_value($params['configoption1'] ?? null),
        'productname' => text_value($params['productname'] ?? null),
    ];
    if ($command === 'CreateAccount' || $command === 'ChangePassword') {
        $service['password'] = text_value($params['password'] ?? null);
    }
    if ($command === 'SuspendAccount') {
        $service['suspendreason'] = text_value($params['suspendreason'] ?? null);
    }
    $details = $params['clientsdetails'] ?? null;
    if (is_array($details)) {
        $contact = ['userid' => id_value($details['userid'] ?? ($details['id'] ?? null))];
        foreach (CONTACT_FIELDS as $field) {
            $contact[$field] = text_value($details[$field] ?? null);
        }
        $service['clientsdetails'] = array_filter($contact, function ($value) {
            return $value !== null;
        });
    }
    return $out + array_filter($service, function ($value) {
        return $value !== null;
    });
}

/**
 * "whmcs-" and a random UUID: a new delivery intent for every module call.
 */
function event_id(): string
{
    $bytes = random_bytes(16);
    $bytes[6] = chr((ord($bytes[6]) & 0x0f) | 0x40);
    $bytes[8] = chr((ord($bytes[8]) & 0x3f) | 0x80);
    return 'whmcs-' . vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($bytes), 4));
}

function json_body(array $data): string
{
    // Invalid UTF-8 from a legacy database becomes U+FFFD instead of an encoding failure.
    return (string) json_encode(
        $data,
        JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE
    );
}

/**
 * The X-Kazi-Timestamp and X-Kazi-Signature headers of one request (contract v2): the
 * signature covers the method, the route (the path below bridge_url, with "?" and the
 * query as sent), the time and the body, so it opens that one request and no other.
 */
function signed_headers(string $secret, string $method, string $route, string $body, ?int $now = null): array
{
    $timestamp = (string) ($now === null ? time() : $now);
    $message = "v2\n" . $timestamp . "\n" . strtoupper($method) . "\n" . $route . "\n" . $body;
    return [
        'X-Kazi-Timestamp: ' . $timestamp,
        'X-Kazi-Signature: v2=' . hash_hmac('sha256', $message, $secret),
    ];
}
