<?php
/**
 * Where the bridge is and how to sign for it: kaziwhmcs.config.php next to
 * kaziwhmcs.php, or the file named by the KAZIWHMCS_CONFIG_FILE constant when
 * the installation defines one (to keep the secret outside the web root).
 */

namespace KaziWhmcs;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

const DEFAULT_WAIT_SECONDS = 25;
const MAX_WAIT_SECONDS = 300;
const DEFAULT_LINK_SECONDS = 600;

class ConfigError extends \RuntimeException
{
}

function config_path(): string
{
    if (defined('KAZIWHMCS_CONFIG_FILE')) {
        return (string) constant('KAZIWHMCS_CONFIG_FILE');
    }
    return dirname(__DIR__) . '/kaziwhmcs.config.php';
}

/**
 * The validated settings; a ConfigError names what is wrong and where.
 */
function config_load(): array
{
    $path = config_path();
    if (!is_file($path) || !is_readable($path)) {
        throw new ConfigError(
            "kaziwhmcs: the configuration file $path is missing or unreadable: copy "
            . 'kaziwhmcs.config.example.php to kaziwhmcs.config.php and fill it in'
        );
    }
    $loaded = include $path;
    if (!is_array($loaded)) {
        throw new ConfigError("kaziwhmcs: $path must return an array (see kaziwhmcs.config.example.php)");
    }
    $url = rtrim(trim((string) ($loaded['bridge_url'] ?? '')), '/');
    if (!preg_match('#^https?://[^/?\#\s]+(/[^?\#\s]*)?$#i', $url)) {
        throw new ConfigError("kaziwhmcs: bridge_url in $path must be an http(s) address such as https://bridge.example.net");
    }
    $secret = (string) ($loaded['webhook_secret'] ?? '');
    if ($secret === '') {
        throw new ConfigError("kaziwhmcs: webhook_secret in $path is empty: set it to the bridge's WEBHOOK_SECRET");
    }
    $wait = $loaded['wait_seconds'] ?? DEFAULT_WAIT_SECONDS;
    if (!is_numeric($wait) || $wait < 0 || $wait > MAX_WAIT_SECONDS) {
        throw new ConfigError('kaziwhmcs: wait_seconds in ' . $path . ' must be a number of seconds from 0 to ' . MAX_WAIT_SECONDS);
    }
    $link = $loaded['link_seconds'] ?? DEFAULT_LINK_SECONDS;
    if (!is_numeric($link) || $link < 30) {
        throw new ConfigError("kaziwhmcs: link_seconds in $path must be at least 30");
    }
    $caFile = (string) ($loaded['ca_file'] ?? '');
    if ($caFile !== '' && !is_readable($caFile)) {
        throw new ConfigError("kaziwhmcs: ca_file $caFile named in $path cannot be read");
    }
    // failure_ticket_department and welcome_email of older versions are ignored: failures
    // are told to staff only, and WHMCS sends the welcome email itself.
    return [
        'bridge_url' => $url,
        'cron_hook' => (bool) ($loaded['cron_hook'] ?? true),
        'notify_admins' => (bool) ($loaded['notify_admins'] ?? true),
        'webhook_secret' => $secret,
        'wait_seconds' => (float) $wait,
        'link_seconds' => (int) $link,
        'verify_tls' => (bool) ($loaded['verify_tls'] ?? true),
        'ca_file' => $caFile,
    ];
}
