<?php
/**
 * The round-trip benchmark's WHMCS side: real calls of the kaziwhmcs module, timed one
 * by one inside one PHP process (as inside WHMCS, PHP's own start-up is not a call's).
 *
 *     php roundtrip_calls.php <spec.json>
 *
 * spec.json: {"bridge_url", "webhook_secret", "wait_seconds", "calls": [[command, params], ...]}.
 * Prints {"seconds": [...], "results": [...]}, one entry per call, in order.
 */

define('WHMCS', true);

/**
 * WHMCS's module log: WHMCS writes it only with module debugging on, so it costs nothing here.
 */
function logModuleCall($module, $action, $requestString, $responseData, $processedData = '', $replaceVars = [])
{
}

$spec = json_decode((string) file_get_contents($argv[1]), true);
$configFile = tempnam(sys_get_temp_dir(), 'kaziwhmcs-bench-config-');
file_put_contents($configFile, "<?php\nreturn " . var_export([
    'bridge_url' => $spec['bridge_url'],
    'webhook_secret' => $spec['webhook_secret'],
    'wait_seconds' => $spec['wait_seconds'],
], true) . ";\n");
define('KAZIWHMCS_CONFIG_FILE', $configFile);

require dirname(__DIR__) . '/whmcs/modules/servers/kaziwhmcs/kaziwhmcs.php';

$seconds = [];
$results = [];
foreach ($spec['calls'] as list($command, $params)) {
    $function = 'kaziwhmcs_' . $command;
    $started = microtime(true);
    $result = $function($params);
    $seconds[] = microtime(true) - $started;
    $results[] = is_string($result) ? $result : json_encode($result);
}
unlink($configFile);
echo json_encode(['seconds' => $seconds, 'results' => $results]);
