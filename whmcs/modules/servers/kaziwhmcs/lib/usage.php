<?php
/**
 * Writing the panel's disk and bandwidth figures into WHMCS's tblhosting: the bridge's
 * last import (its daily schedule), answered at once.
 */

namespace KaziWhmcs;

use WHMCS\Database\Capsule;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

// Services whose domain may have been reused by a newer one on the same server.
const GONE_STATUSES = ['Terminated', 'Cancelled', 'Fraud'];

function domain_key(string $domain): string
{
    $domain = rtrim(trim($domain), '.');
    $domain = function_exists('mb_strtolower') ? mb_strtolower($domain, 'UTF-8') : strtolower($domain);
    if (function_exists('idn_to_ascii') && preg_match('/[^\x00-\x7f]/', $domain)) {
        $ascii = idn_to_ascii($domain, IDNA_NONTRANSITIONAL_TO_ASCII, INTL_IDNA_VARIANT_UTS46);
        if (is_string($ascii) && $ascii !== '') {
            return $ascii;
        }
    }
    return $domain;
}

// The panel reports usage in decimal MB but its limits in MiB; WHMCS shows both columns
// as "MB" and compares them, so the limits are written in decimal MB too (the bridge's
// pages show the same figures).
const MB_PER_MIB = 1.048576;

/**
 * A panel limit (MiB) as tblhosting's decimal MB: 0 is unlimited there too, and -1
 * (disabled on the panel) stays -1: written as 0 it would read "unlimited".
 */
function limit_mb($mib): int
{
    $mib = (int) ($mib ?? 0);
    return $mib <= 0 ? max(-1, $mib) : (int) round($mib * MB_PER_MIB);
}

function usage_fields(array $entry, string $now): array
{
    return [
        'diskusage' => max(0, (int) ($entry['diskusage'] ?? 0)),
        'disklimit' => limit_mb($entry['disklimit'] ?? 0),
        'bwusage' => max(0, (int) ($entry['bwusage'] ?? 0)),
        'bwlimit' => limit_mb($entry['bwlimit'] ?? 0),
        'lastupdate' => $now,
    ];
}

/**
 * Which of the server's services each usage entry belongs to: [tblhosting id => fields].
 * The bridge's service id first; the domain for accounts it does not know.
 */
function usage_matches(array $services, array $entries, string $now): array
{
    $ids = [];
    $byDomain = [];
    foreach ($services as $service) {
        $id = (int) $service->id;
        $ids[$id] = true;
        if (!in_array((string) $service->domainstatus, GONE_STATUSES, true)) {
            $byDomain[domain_key((string) $service->domain)][] = $id;
        }
    }
    $updates = [];
    foreach ($entries as $entry) {
        $id = is_array($entry) ? id_value($entry['serviceid'] ?? null) : null;
        if ($id !== null && isset($ids[$id])) {
            $updates[$id] = usage_fields($entry, $now);
        }
    }
    foreach ($entries as $entry) {
        if (!is_array($entry)) {
            continue;
        }
        $known = id_value($entry['serviceid'] ?? null);
        if ($known !== null && isset($ids[$known])) {
            continue;
        }
        foreach ($byDomain[domain_key((string) ($entry['domain'] ?? ''))] ?? [] as $id) {
            if (!isset($updates[$id])) {
                $updates[$id] = usage_fields($entry, $now);
            }
        }
    }
    return $updates;
}

/**
 * Update the server's services in tblhosting; returns how many were updated.
 */
function usage_store(int $serverId, array $entries, ?string $now = null): int
{
    $now = $now ?? date('Y-m-d H:i:s');
    $services = Capsule::table('tblhosting')
        ->where('server', $serverId)
        ->get(['id', 'domain', 'domainstatus']);
    $list = [];
    foreach ($services as $service) {
        $list[] = $service;
    }
    $updates = usage_matches($list, $entries, $now);
    foreach ($updates as $id => $fields) {
        Capsule::table('tblhosting')->where('id', $id)->update($fields);
    }
    return count($updates);
}

/**
 * UsageUpdate: the bridge's last import into tblhosting, at once (the bridge queues a
 * fresh import itself when that one is over a day old); returns the text for WHMCS.
 */
function usage_update(array $params): string
{
    $config = null;
    $serverId = id_value($params['serverid'] ?? null);
    try {
        $config = config_load();
        if ($serverId === null) {
            throw new ConfigError('kaziwhmcs: UsageUpdate without a server id');
        }
        $answer = bridge_read($config, 'GET', "/webhooks/whmcs/servers/$serverId/usage/", null, 'the last usage import');
        $usage = is_array($answer['usage'] ?? null) ? $answer['usage'] : [];
        $imported = isset($answer['imported_at']) ? strtotime((string) $answer['imported_at']) : false;
        $updated = $imported === false ? 0 : usage_store($serverId, $usage, date('Y-m-d H:i:s', $imported));
        $text = 'success';
        $note = $imported === false ? 'no import yet' : "tblhosting: $updated services updated from the import of {$answer['imported_at']}";
        if (!empty($answer['refresh_operation'])) {
            $note .= "; a fresh import is queued (operation {$answer['refresh_operation']})";
        }
    } catch (ConfigError | BridgeError $error) {
        $text = $error->getMessage();
        $note = $text;
    } catch (\Throwable $error) {
        $text = 'kaziwhmcs: could not write the usage into tblhosting: ' . $error->getMessage();
        $note = $text;
    }
    log_call('UsageUpdate', ['serverid' => $serverId], '', $note, secrets_of($params, $config));
    return $text;
}
