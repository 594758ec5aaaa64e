<?php
/**
 * Talking to the bridge: post a signed command, then poll its signed status URL
 * until the operation finished or the configured wait ran out.
 */

namespace KaziWhmcs;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

const FINISHED_STATES = ['succeeded', 'failed'];
const CONNECT_TIMEOUT = 10;
const POST_TIMEOUT = 30;
// The longest one status request asks the bridge to wait (the bridge's own limit), and
// the time its answer may take beyond that.
const LONG_POLL_SECONDS = 10;
const LONG_POLL_MARGIN = 10;

/**
 * A readable reason the bridge could not be asked or did not answer usefully.
 * $final: asking again at once cannot help (bad secret, unknown operation).
 */
class BridgeError extends \RuntimeException
{
    public $final;
    public $answer;

    public function __construct(string $message, bool $final = false, string $answer = '')
    {
        parent::__construct($message);
        $this->final = $final;
        $this->answer = $answer;
    }
}

/**
 * The route a signature covers: $url (built on bridge_url) without bridge_url, so a
 * proxy's path prefix in bridge_url is not part of it.
 */
function bridge_route(array $config, string $url): string
{
    $base = $config['bridge_url'];
    $route = substr($url, strlen($base));
    if (strncmp($url, $base, strlen($base)) !== 0 || ($route !== '' && strpos('/?', $route[0]) === false)) {
        throw new BridgeError("kaziwhmcs: $url is not an address of the bridge at $base", true);
    }
    return $route === '' || $route[0] === '?' ? '/' . $route : $route;
}

/**
 * [HTTP status, body] of one request, signed for itself; a BridgeError when nothing came back.
 */
function http_request(array $config, string $method, string $url, ?string $body, int $timeout, int $connectTimeout = CONNECT_TIMEOUT): array
{
    $headers = array_merge(
        ['Accept: application/json', 'Expect:'],
        signed_headers($config['webhook_secret'], $method, bridge_route($config, $url), (string) $body)
    );
    if ($body !== null) {
        $headers[] = 'Content-Type: application/json';
    }
    $curl = curl_init();
    if ($curl === false) {
        throw new BridgeError('kaziwhmcs: could not start cURL');
    }
    $options = [
        CURLOPT_URL => $url,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_HTTPHEADER => $headers,
        CURLOPT_CONNECTTIMEOUT => min($connectTimeout, max(1, $timeout)),
        CURLOPT_TIMEOUT => max(1, $timeout),
        CURLOPT_FOLLOWLOCATION => false,
        CURLOPT_SSL_VERIFYPEER => $config['verify_tls'],
        CURLOPT_SSL_VERIFYHOST => $config['verify_tls'] ? 2 : 0,
        CURLOPT_USERAGENT => 'kaziwhmcs-whmcs-module',
    ];
    if (defined('CURLOPT_PROTOCOLS')) {
        $options[CURLOPT_PROTOCOLS] = CURLPROTO_HTTP | CURLPROTO_HTTPS;
    }
    if ($config['ca_file'] !== '') {
        $options[CURLOPT_CAINFO] = $config['ca_file'];
    }
    if ($method === 'POST') {
        $options[CURLOPT_POST] = true;
        $options[CURLOPT_POSTFIELDS] = (string) $body;
    } else {
        $options[CURLOPT_HTTPGET] = true;
    }
    curl_setopt_array($curl, $options);
    $answer = curl_exec($curl);
    $error = curl_error($curl);
    $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    $location = (string) curl_getinfo($curl, CURLINFO_REDIRECT_URL);
    curl_close($curl);
    if ($answer === false) {
        throw new BridgeError("Could not reach the kaziwhmcs bridge at {$config['bridge_url']}: $error");
    }
    if ($status >= 300 && $status < 400) {
        throw new BridgeError(
            "The kaziwhmcs bridge redirected $url to $location (HTTP $status): "
            . 'set bridge_url in kaziwhmcs.config.php to the address it redirects to',
            true
        );
    }
    return [$status, (string) $answer];
}

/**
 * A readable piece of a body that is not the JSON the contract promises.
 */
function body_excerpt(string $body): string
{
    $text = trim(preg_replace('/\s+/', ' ', strip_tags($body)));
    if ($text === '') {
        return '(empty body)';
    }
    return strlen($text) > 200 ? substr($text, 0, 200) . '...' : $text;
}

/**
 * The JSON object of a 2xx answer; any other answer becomes a BridgeError saying what to do.
 */
function answer_data(int $status, string $body, string $what): array
{
    $data = json_decode($body, true);
    $error = is_array($data) && isset($data['error']) && is_string($data['error']) ? $data['error'] : null;
    if ($status === 401) {
        if ($error !== null && stripos($error, 'stale') !== false) {
            throw new BridgeError(
                "The kaziwhmcs bridge refused $what (HTTP 401: $error): the WHMCS server's clock "
                . 'is more than 5 minutes away from the bridge\'s; fix the time (NTP)',
                true,
                $body
            );
        }
        throw new BridgeError(
            "The kaziwhmcs bridge refused $what (HTTP 401: " . ($error ?? 'bad signature') . '): '
            . "the webhook secret in kaziwhmcs.config.php does not match the bridge's WEBHOOK_SECRET",
            true,
            $body
        );
    }
    if ($status === 400) {
        throw new BridgeError(
            "The kaziwhmcs bridge refused $what: " . ($error ?? body_excerpt($body)),
            true,
            $body
        );
    }
    if ($status === 404) {
        throw new BridgeError(
            "The kaziwhmcs bridge answered 404 to $what: " . ($error ?? 'no such address: check bridge_url in kaziwhmcs.config.php'),
            true,
            $body
        );
    }
    if ($status === 413) {
        throw new BridgeError("The kaziwhmcs bridge refused $what as too large (HTTP 413)", true, $body);
    }
    if ($status < 200 || $status >= 300) {
        throw new BridgeError(
            "The kaziwhmcs bridge answered HTTP $status to $what: " . ($error ?? body_excerpt($body)),
            $status < 500,
            $body
        );
    }
    if (!is_array($data)) {
        throw new BridgeError(
            "The kaziwhmcs bridge answered $what with something that is not JSON (HTTP $status): "
            . body_excerpt($body) . ' Check bridge_url in kaziwhmcs.config.php',
            true,
            $body
        );
    }
    return $data;
}

/**
 * An operation's answer (webhook or status): the JSON object with its operation and state.
 */
function answer_json(int $status, string $body, string $what): array
{
    $data = answer_data($status, $body, $what);
    if (!isset($data['operation']) || !isset($data['state'])) {
        throw new BridgeError("The kaziwhmcs bridge's answer to $what has no operation or state: " . body_excerpt($body), true, $body);
    }
    return $data;
}

/**
 * One signed request to another endpoint of the bridge ($path below bridge_url); its JSON.
 * The bridge accepts a signed POST once: a random nonce keeps two asks in the same
 * second (a double click) two requests.
 */
function bridge_read(array $config, string $method, string $path, ?array $payload, string $what, int $timeout = POST_TIMEOUT, int $connectTimeout = CONNECT_TIMEOUT): array
{
    if ($method === 'POST') {
        $payload = ($payload ?? []) + ['nonce' => bin2hex(random_bytes(16))];
    }
    $body = $payload === null ? null : json_body($payload);
    list($status, $raw) = http_request($config, $method, $config['bridge_url'] . $path, $body, $timeout, $connectTimeout);
    return answer_data($status, $raw, $what);
}

/**
 * The status URL on the configured bridge: the bridge may sit behind a proxy that
 * gives it another host, scheme or path prefix, so only its route is taken (its path
 * below bridge_url's path when the bridge knows that prefix, else its whole path).
 */
function status_url(array $config, string $given): string
{
    $path = (string) parse_url($given, PHP_URL_PATH);
    $query = (string) parse_url($given, PHP_URL_QUERY);
    $prefix = rtrim((string) parse_url($config['bridge_url'], PHP_URL_PATH), '/');
    if ($prefix !== '' && ($path === $prefix || strncmp($path, $prefix . '/', strlen($prefix) + 1) === 0)) {
        $path = substr($path, strlen($prefix));
    }
    return $config['bridge_url'] . ($path === '' ? '/' : $path) . ($query === '' ? '' : '?' . $query);
}

/**
 * Post one command; returns [the bridge's answer, the raw body].
 */
function command_post(array $config, string $command, array $contractParams): array
{
    $body = json_body(['event_id' => event_id(), 'command' => $command, 'params' => $contractParams]);
    $url = $config['bridge_url'] . '/webhooks/whmcs/';
    list($status, $raw) = http_request($config, 'POST', $url, $body, POST_TIMEOUT);
    return [answer_json($status, $raw, $command), $raw];
}

/**
 * Wait until the operation finished or $waitSeconds passed; returns the last answer
 * and its raw body. Each status request asks the bridge to hold its answer until the
 * outcome is known (long poll, at most LONG_POLL_SECONDS); a bridge that answers sooner
 * without an outcome (all its waiting slots taken, or an older bridge) is asked again
 * after a short sleep. Passing trouble (a bridge restart) is polled through.
 */
function operation_wait(array $config, string $command, array $answer, string $raw, float $waitSeconds): array
{
    $deadline = microtime(true) + $waitSeconds;
    $interval = 0.2;
    $url = status_url($config, (string) ($answer['status_url'] ?? ''));
    $what = "the status of $command (operation {$answer['operation']})";
    while (!in_array($answer['state'], FINISHED_STATES, true)) {
        if (!waiting_helps($answer)) {
            break;
        }
        $left = $deadline - microtime(true);
        if ($left <= 0) {
            break;
        }
        $wait = min($left, LONG_POLL_SECONDS);
        $asked = microtime(true);
        try {
            $waitUrl = $url . (strpos($url, '?') === false ? '?' : '&') . 'wait=' . sprintf('%.1F', $wait);
            list($status, $body) = http_request($config, 'GET', $waitUrl, null, (int) ceil($wait + LONG_POLL_MARGIN));
            $answer = answer_json($status, $body, $what);
            $raw = $body;
        } catch (BridgeError $error) {
            if ($error->final || microtime(true) >= $deadline) {
                throw $error;
            }
        }
        if (in_array($answer['state'], FINISHED_STATES, true) || microtime(true) - $asked >= $wait - 0.05) {
            continue;
        }
        $left = $deadline - microtime(true);
        if ($left > 0 && waiting_helps($answer)) {
            usleep((int) (min($interval, $left) * 1000000));
            $interval = min($interval * 1.5, 1.0);
        }
    }
    return [$answer, $raw];
}

/**
 * Waiting only helps while a first attempt runs: a retrying operation waits for its
 * backoff, and a panel the bridge reports unreachable or paused will not answer soon.
 */
function waiting_helps(array $answer): bool
{
    return $answer['state'] !== 'retrying' && empty($answer['panel_condition']);
}

/**
 * What WHMCS shows: "success", the panel's or the bridge's error text, or the
 * "still running" message (WHMCS keeps the command in its Module Queue, and the
 * cron hook completes it there once the bridge has the outcome).
 */
function outcome_text(string $command, array $answer): string
{
    $result = isset($answer['result']) && is_string($answer['result']) ? trim($answer['result']) : '';
    if ($answer['state'] === 'succeeded') {
        return 'success';
    }
    if ($answer['state'] === 'failed') {
        return $result !== '' ? $result : "$command failed at the kaziwhmcs bridge (operation {$answer['operation']})";
    }
    $detail = "state {$answer['state']}";
    if (isset($answer['attempts']) && (int) $answer['attempts'] > 0) {
        $detail .= ', attempt ' . (int) $answer['attempts'];
    }
    if ($result !== '' && $answer['state'] === 'retrying') {
        $detail .= ", last error: $result";
    }
    if (!empty($answer['panel_condition']) && is_string($answer['panel_condition'])) {
        $detail .= ', ' . $answer['panel_condition'];
    }
    return "$command queued as operation {$answer['operation']}, still running at the kaziwhmcs bridge "
        . "($detail). The bridge keeps trying; WHMCS is updated automatically within a cron run "
        . 'of the outcome (a manual retry reports it too, without running the command twice).';
}

/**
 * One WHMCS command end to end; returns [text for WHMCS, last answer or null]
 * and logs the exchange with every secret masked.
 */
function command_run(string $command, array $params): array
{
    $config = null;
    $request = ['command' => $command];
    $raw = '';
    $answer = null;
    try {
        $config = config_load();
        $contractParams = contract_params($command, $params);
        $request = ['url' => $config['bridge_url'] . '/webhooks/whmcs/', 'command' => $command, 'params' => $contractParams];
        list($answer, $raw) = command_post($config, $command, $contractParams);
        list($answer, $raw) = operation_wait($config, $command, $answer, $raw, $config['wait_seconds']);
        $text = outcome_text($command, $answer);
    } catch (ConfigError $error) {
        $text = $error->getMessage();
    } catch (BridgeError $error) {
        $text = $error->getMessage();
        if ($answer !== null) {
            $text .= " ($command was queued as operation {$answer['operation']}; retry it later)";
        }
        $raw = $error->answer !== '' ? $error->answer : $raw;
    } catch (\Throwable $error) {
        $text = "kaziwhmcs module error in $command: " . $error->getMessage();
    }
    log_call($command, $request, $raw, $text, secrets_of($params, $config));
    return [$text, $answer];
}
