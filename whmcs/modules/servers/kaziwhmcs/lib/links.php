<?php
/**
 * Links out of WHMCS: the bridge's signed client area, its admin page of a
 * server, and the panel itself.
 */

namespace KaziWhmcs;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

function html(string $text): string
{
    return htmlspecialchars($text, ENT_QUOTES, 'UTF-8');
}

/**
 * What the module writes into WHMCS's client area, in the client's language as WHMCS
 * names it (clientsdetails.language); English for the default ("") and any other.
 * The bridge's client area speaks the same languages.
 */
const CLIENT_AREA_TEXTS = [
    'english' => [
        'manage' => 'Manage your hosting',
        'panel' => 'Open the hosting control panel',
        'unavailable' => 'The hosting control panel link is not available right now.',
    ],
    'german' => [
        'manage' => 'Hosting verwalten',
        'panel' => 'Control Panel öffnen',
        'unavailable' => 'Der Link zum Control Panel Ihres Hostings ist gerade nicht verfügbar.',
    ],
    'french' => [
        'manage' => 'Gérer votre hébergement',
        'panel' => 'Ouvrir le panneau de contrôle',
        'unavailable' => 'Le lien vers le panneau de contrôle de votre hébergement n’est pas disponible pour le moment.',
    ],
];

function client_area_text(array $params, string $key): string
{
    $details = $params['clientsdetails'] ?? null;
    $language = is_array($details) ? strtolower(trim((string) text_value($details['language'] ?? null))) : '';
    return (CLIENT_AREA_TEXTS[$language] ?? CLIENT_AREA_TEXTS['english'])[$key];
}

/**
 * /client/services/<serviceid>/?expires=<unix>&sig=hex(HMAC-SHA256(secret, "client-area.<serviceid>.<expires>")).
 */
function client_area_url(array $config, int $serviceId, ?int $now = null): string
{
    $expires = ($now === null ? time() : $now) + $config['link_seconds'];
    $sig = hash_hmac('sha256', "client-area.$serviceId.$expires", $config['webhook_secret']);
    return $config['bridge_url'] . "/client/services/$serviceId/?expires=$expires&sig=$sig";
}

function server_admin_url(array $config, ?int $serverId): string
{
    $url = $config['bridge_url'] . '/admin/provisioning/server/';
    return $serverId === null ? $url : $url . '?whmcs_id=' . $serverId;
}

/**
 * scheme://host[:port]/ of the panel, as the bridge reaches it: a port written
 * in the host name wins over WHMCS's port field.
 */
function panel_url(array $params): string
{
    $server = server_params($params);
    $host = (string) ($server['serverhostname'] ?? '');
    list(, $port) = host_split($host);
    $secure = ($server['serversecure'] ?? '') === 'on';
    $default = $secure ? 443 : 80;
    if ($port === null && isset($server['serverport']) && $server['serverport'] !== $default) {
        $host .= ':' . $server['serverport'];
    }
    return ($secure ? 'https' : 'http') . '://' . $host . '/';
}

/**
 * The signed link to the bridge's client area of this service, or an error text.
 */
function client_link(array $params, string $action): array
{
    try {
        $config = config_load();
    } catch (ConfigError $error) {
        log_call($action, [], '', $error->getMessage(), secrets_of($params, null));
        return [null, $error->getMessage()];
    }
    $serviceId = id_value($params['serviceid'] ?? null);
    if ($serviceId === null) {
        $error = 'kaziwhmcs: this service has no id yet';
        log_call($action, [], '', $error, secrets_of($params, $config));
        return [null, $error];
    }
    $url = client_area_url($config, $serviceId);
    // The link is a key to the client area for its lifetime: its signature stays out of the log.
    log_call($action, ['serviceid' => $serviceId], '', preg_replace('/sig=[0-9a-f]+/', 'sig=' . MASK, $url), secrets_of($params, $config));
    return [$url, null];
}
