<?php
/**
 * Copy this file to kaziwhmcs.config.php (same folder) and fill it in.
 * WHMCS never shows it; keep it readable by the web server's user only.
 */
if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

return [
    // The bridge's address as WHMCS reaches it (no trailing path).
    'bridge_url' => 'https://bridge.example.net',
    // The bridge's WEBHOOK_SECRET, character for character.
    'webhook_secret' => 'change-me-to-the-bridge-webhook-secret',
    // Seconds a command waits for a first attempt at the panel before answering
    // "still running" (the cron hook completes it later). 0 to 300.
    'wait_seconds' => 25,
    // Seconds a client-area link stays valid (ClientArea button).
    'link_seconds' => 600,
    // Verify the bridge's TLS certificate (leave on); 'ca_file' may name a
    // PEM file to trust, for a bridge with a private CA.
    'verify_tls' => true,
    'ca_file' => '',
    // After each WHMCS cron run (hooks.php): complete the Module Queue's kaziwhmcs
    // items the bridge finished, and report the ones that failed. false turns it off.
    'cron_hook' => true,
    // Each failure the cron hook reports is written in WHMCS's activity log; true also
    // sends WHMCS's admin notification (SendAdminEmail, "system" type) to staff. The
    // customer is never mailed about it.
    'notify_admins' => true,
];
