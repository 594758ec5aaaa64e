<?php
/**
 * kaziwhmcs hooks (WHMCS loads a server module's hooks.php by itself).
 *
 * AfterCronJob: complete the Module Queue's kaziwhmcs items the bridge has finished, resolve
 * those a later command superseded, and tell staff about those that failed (lib/queue.php). Off with 'cron_hook' => false in
 * kaziwhmcs.config.php.
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lib/config.php';
require_once __DIR__ . '/lib/contract.php';
require_once __DIR__ . '/lib/log.php';
require_once __DIR__ . '/lib/bridge.php';
require_once __DIR__ . '/lib/links.php';
require_once __DIR__ . '/lib/queue.php';

add_hook('AfterCronJob', 1, function ($vars) {
    try {
        \KaziWhmcs\queue_complete();
    } catch (\Throwable $error) {
        // A hook must never break WHMCS's cron run.
        logActivity('kaziwhmcs: the Module Queue hook stopped: ' . $error->getMessage());
    }
});
