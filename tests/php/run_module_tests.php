<?php
/**
 * Runs the kaziwhmcs WHMCS module against a live bridge, as WHMCS would call it.
 *
 *     php run_module_tests.php <scenario>
 *
 * Environment: KAZI_BRIDGE_URL, KAZI_WEBHOOK_SECRET, KAZI_PANEL_URL (the i-MSCP
 * emulator, asked through its /_emulator/ control API), KAZI_SERVER_ID,
 * KAZI_REPORT (a JSON file this writes for pytest). Exit 0 when every check
 * passed; the failures are printed otherwise. The scenarios of the hooks are in
 * loop_scenarios.php, those of the admin and client areas in admin_scenarios.php.
 * KAZI_QUEUE_ANSWER=json makes GetModuleQueue answer as the external API's JSON.
 */

require __DIR__ . '/whmcs_stubs.php';

$configFile = tempnam(sys_get_temp_dir(), 'kaziwhmcs-config-');
define('KAZIWHMCS_CONFIG_FILE', $configFile);
register_shutdown_function(function () use ($configFile) {
    if (is_file($configFile)) {
        unlink($configFile);
    }
});

require __DIR__ . '/whmcs_runtime.php';
require dirname(__DIR__, 2) . '/whmcs/modules/servers/kaziwhmcs/kaziwhmcs.php';
require dirname(__DIR__, 2) . '/whmcs/modules/servers/kaziwhmcs/hooks.php';
require __DIR__ . '/loop_scenarios.php';
require __DIR__ . '/admin_scenarios.php';
if (getenv('KAZI_QUEUE_ANSWER')) {
    $GLOBALS['queue_answer'] = getenv('KAZI_QUEUE_ANSWER');
}

$failures = [];
$report = [];

function env(string $name): string
{
    $value = getenv($name);
    if ($value === false || $value === '') {
        fwrite(STDERR, "missing environment variable $name\n");
        exit(2);
    }
    return $value;
}

function config_write(array $overrides = []): void
{
    $config = array_merge([
        'bridge_url' => env('KAZI_BRIDGE_URL'),
        'webhook_secret' => env('KAZI_WEBHOOK_SECRET'),
        'wait_seconds' => 20,
    ], $overrides);
    file_put_contents(KAZIWHMCS_CONFIG_FILE, "<?php\nreturn " . var_export($config, true) . ";\n");
}

function check(bool $ok, string $what, $detail = null): void
{
    global $failures;
    if (!$ok) {
        $failures[] = $what . ($detail === null ? '' : ': ' . var_export($detail, true));
    }
}

function check_same($expected, $actual, string $what): void
{
    check($expected === $actual, $what, ['expected' => $expected, 'actual' => $actual]);
}

function emulator(string $method, string $name, ?array $payload = null): array
{
    $curl = curl_init(env('KAZI_PANEL_URL') . '/_emulator/' . $name);
    curl_setopt_array($curl, [CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 10]);
    if ($method === 'POST') {
        curl_setopt($curl, CURLOPT_POST, true);
        curl_setopt($curl, CURLOPT_POSTFIELDS, json_encode($payload ?? []));
        curl_setopt($curl, CURLOPT_HTTPHEADER, ['Content-Type: application/json']);
    }
    $body = curl_exec($curl);
    curl_close($curl);
    $data = json_decode((string) $body, true);
    if (!is_array($data)) {
        throw new RuntimeException("emulator control $name answered " . var_export($body, true));
    }
    return $data;
}

function panel_customer(string $domain): ?array
{
    foreach (emulator('GET', 'state')['customers'] as $customer) {
        if ($customer['domain'] === $domain || $customer['domain_unicode'] === $domain) {
            return $customer;
        }
    }
    return null;
}

function panel_requests(string $action): int
{
    return count(emulator('GET', 'requests?action=' . $action)['requests']);
}

/**
 * $params as WHMCS builds them for a service on the emulated panel (strings everywhere).
 */
function service_params(array $overrides = []): array
{
    $panel = parse_url(env('KAZI_PANEL_URL'));
    return array_merge([
        'accountid' => '42',
        'serviceid' => '42',
        'userid' => '7',
        'pid' => '3',
        'serverid' => env('KAZI_SERVER_ID'),
        'domain' => 'whmcs-module.example.com',
        'username' => 'whmcsmod',
        'password' => 'Str0ng"pa/ss\\42',
        'producttype' => 'hostingaccount',
        'moduletype' => 'kaziwhmcs',
        'configoption1' => 'Basic',
        'server' => true,
        'servername' => 'Emulated panel',
        'serverhostname' => $panel['host'] . ':' . $panel['port'],
        'serverip' => $panel['host'],
        'serverport' => '80',
        'serverusername' => 'reseller1',
        'serverpassword' => 'reseller-secret-1',
        'serveraccesshash' => '',
        'serversecure' => '',
        'serverhttpprefix' => 'http',
        'model' => new stdClass(),
        'clientsdetails' => [
            'userid' => 7,
            'id' => 7,
            'firstname' => 'Ada',
            'lastname' => 'Lovelace',
            'fullname' => 'Ada Lovelace',
            'companyname' => 'Analytical Engines Ltd',
            'email' => 'ada@example.org',
            'address1' => '12 Marylebone Road',
            'address2' => '',
            'city' => 'London',
            'state' => 'Greater London',
            'postcode' => 'NW1 5LR',
            'countrycode' => 'GB',
            'countryname' => 'United Kingdom',
            'phonenumber' => '+44.2079460000',
            // The client's language as WHMCS names it, "" for the default: WHMCS's
            // GetClientsDetails documents `"client[language]": ""` among these details.
            'language' => 'german',
        ],
    ], $overrides);
}

/**
 * Server-level $params (TestConnection, UsageUpdate, AdminLink).
 */
function server_params_of(array $overrides = []): array
{
    $keep = array_flip(['serverid', 'servername', 'serverhostname', 'serverip', 'serverport', 'serverusername',
        'serverpassword', 'serveraccesshash', 'serversecure', 'serverhttpprefix']);
    return array_merge(array_intersect_key(service_params(), $keep), $overrides);
}

function scenario_lifecycle(): void
{
    global $report;
    config_write();
    $params = service_params();
    $domain = $params['domain'];

    check_same('success', kaziwhmcs_CreateAccount($params), 'CreateAccount');
    $customer = panel_customer($domain);
    check($customer !== null && $customer['settled_status'] === 'ok', 'the account exists on the panel', $customer);
    check_same($params['password'], $customer['password'] ?? null, 'the panel has the WHMCS password');
    check_same('reseller1', $customer['reseller'] ?? null, 'the account belongs to the reseller');

    check_same('success', kaziwhmcs_SuspendAccount($params + ['suspendreason' => 'Overdue on Activity']), 'SuspendAccount');
    check_same('disabled', panel_customer($domain)['settled_status'], 'the account is suspended on the panel');

    check_same('success', kaziwhmcs_UnsuspendAccount($params), 'UnsuspendAccount');
    check_same('ok', panel_customer($domain)['settled_status'], 'the account is active again on the panel');

    $params['password'] = 'N3w-pass{word';
    check_same('success', kaziwhmcs_ChangePassword($params), 'ChangePassword');
    check_same('N3w-pass{word', panel_customer($domain)['password'], 'the panel has the new password');

    $before = count(emulator('GET', 'requests')['requests']);
    check_same('success', kaziwhmcs_Renew($params), 'Renew');
    check_same($before, count(emulator('GET', 'requests')['requests']), 'Renew does not call the panel');

    check_same('success', kaziwhmcs_TerminateAccount($params), 'TerminateAccount');
    check_same('todelete', panel_customer($domain)['status'], 'the account is being deleted on the panel');

    $refused = kaziwhmcs_CreateAccount(service_params(['serviceid' => '43', 'domain' => 'other.example.com', 'configoption1' => 'NoSuchPlan']));
    check(strpos($refused, "KaziWhmcs: The 'NoSuchPlan' hosting plan") === 0, "the panel's refusal is returned verbatim", $refused);

    $invalid = kaziwhmcs_CreateAccount(service_params(['serviceid' => '44', 'domain' => 'bad domain!']));
    check(strpos($invalid, 'The kaziwhmcs bridge refused CreateAccount: domain:') === 0, 'a field the bridge refuses is named', $invalid);

    $report['log_actions'] = array_column($GLOBALS['module_log'], 'action');
}

function scenario_still_running_then_retry(): void
{
    global $report;
    // The panel holds the create answer for 3 s (armed by pytest); WHMCS waits only 1 s.
    config_write(['wait_seconds' => 1]);
    $params = service_params();
    $first = kaziwhmcs_CreateAccount($params);
    check(
        (bool) preg_match('/^CreateAccount queued as operation (\d+), still running/', $first, $m),
        'the first call says the operation is still running',
        $first
    );
    $report['operation'] = $m[1] ?? null;

    // WHMCS's Module Queue retries the command: a new event, the same operation.
    config_write(['wait_seconds' => 20]);
    check_same('success', kaziwhmcs_CreateAccount($params), 'the retry reports the outcome');
    check_same('success', kaziwhmcs_CreateAccount($params), 'a retry after the outcome answers success');
    check_same(1, panel_requests('create'), 'the panel was asked to create the account once');
    check_same('ok', panel_customer($params['domain'])['settled_status'] ?? null, 'the account exists on the panel');

    // The same for a password change (the panel holds that answer too).
    config_write(['wait_seconds' => 1]);
    $params['password'] = 'An0ther-pass';
    $first = kaziwhmcs_ChangePassword($params);
    check(strpos($first, 'ChangePassword queued as operation ') === 0 && strpos($first, 'still running') !== false, 'the password change is still running', $first);
    config_write(['wait_seconds' => 20]);
    check_same('success', kaziwhmcs_ChangePassword($params), 'the retried password change reports the outcome');
    check_same('success', kaziwhmcs_ChangePassword($params), 'a password change retried after the outcome answers success');
    // Joined while in flight, sent again once done: the customer may have changed it since.
    check_same(2, panel_requests('changepw'), 'the retry in flight joined, the later one sent again');
    check_same('An0ther-pass', panel_customer($params['domain'])['password'] ?? null, 'the panel has the new password');
}

function scenario_usage_update(): void
{
    config_write();
    $server = (int) env('KAZI_SERVER_ID');
    check_same('success', kaziwhmcs_CreateAccount(service_params(['serviceid' => '42', 'domain' => 'known.example.com'])), 'create 42');
    check_same('success', kaziwhmcs_CreateAccount(service_params(['serviceid' => '43', 'domain' => 'bücher.example'])), 'create 43');
    // An account created before the bridge: the bridge does not know its service id.
    emulator('POST', 'seed', [
        'customers' => [['domain' => 'legacy.example.net', 'disk_limit_mib' => -1]],
        'usage' => [
            ['domain' => 'known.example.com', 'disk_bytes' => 120000000, 'bw_bytes' => 3000000],
            ['domain' => 'bücher.example', 'disk_bytes' => 5000000, 'bw_bytes' => 7000000],
            ['domain' => 'legacy.example.net', 'disk_bytes' => 9000000, 'bw_bytes' => 11000000],
        ],
    ]);
    \WHMCS\Database\Capsule::$tables['tblhosting'] = [
        // WHMCS's domain was edited after creation: the service id still matches.
        42 => tblhosting_row(42, $server, 'renamed-in-whmcs.example.com'),
        43 => tblhosting_row(43, $server, 'bücher.example'),
        50 => tblhosting_row(50, $server, 'LEGACY.example.net'),
        51 => tblhosting_row(51, $server, 'legacy.example.net', 'Terminated'),
        60 => tblhosting_row(60, $server + 1, 'legacy.example.net'),
    ];
    // No import yet: the answer is at once, writes nothing and queues the import.
    check_same('success', kaziwhmcs_UsageUpdate(server_params_of()), 'UsageUpdate before any import');
    check_same('0000-00-00 00:00:00', \WHMCS\Database\Capsule::$tables['tblhosting'][42]['lastupdate'], 'nothing written before an import');
    wait_for(function () use ($server) {
        $usage = \KaziWhmcs\bridge_read(\KaziWhmcs\config_load(), 'GET', "/webhooks/whmcs/servers/$server/usage/", null, 'usage');
        return $usage['imported_at'] !== null;
    }, 'the import the first UsageUpdate queued');
    check_same('success', kaziwhmcs_UsageUpdate(server_params_of()), 'UsageUpdate');
    $rows = \WHMCS\Database\Capsule::$tables['tblhosting'];
    // The plan's limits, 1,000 and 10,000 MiB, in decimal MB like the usage.
    check_same([120, 1049, 3, 10486], [$rows[42]['diskusage'], $rows[42]['disklimit'], $rows[42]['bwusage'], $rows[42]['bwlimit']], 'service 42 by its id');
    check_same(-1, $rows[50]['disklimit'], 'a disabled limit (-1) is not written as unlimited (0)');
    check_same([0, -1, 1, 105], [\KaziWhmcs\limit_mb(0), \KaziWhmcs\limit_mb(-1), \KaziWhmcs\limit_mb('1'), \KaziWhmcs\limit_mb(100)], 'limits in MB: unlimited 0, disabled -1');
    check_same([5, 7], [$rows[43]['diskusage'], $rows[43]['bwusage']], 'service 43 by its id (IDN domain)');
    check_same([9, 11], [$rows[50]['diskusage'], $rows[50]['bwusage']], 'service 50 by its domain');
    check_same([0, 0], [$rows[51]['diskusage'], $rows[51]['bwusage']], 'a terminated service keeps its figures');
    check_same([0, 0], [$rows[60]['diskusage'], $rows[60]['bwusage']], "another server's service is untouched");
    check((bool) preg_match('/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/', $rows[42]['lastupdate']) && $rows[42]['lastupdate'] !== '0000-00-00 00:00:00', 'lastupdate is set', $rows[42]['lastupdate']);
    check_same('0000-00-00 00:00:00', $rows[60]['lastupdate'], 'lastupdate of another server is untouched');
}

function scenario_test_connection(): void
{
    config_write();
    $panel = parse_url(env('KAZI_PANEL_URL'));
    // No host name in WHMCS: the IP and WHMCS's port field reach the panel.
    $byIp = server_params_of(['serverhostname' => '', 'serverip' => $panel['host'], 'serverport' => (string) $panel['port']]);
    check_same(['success' => true, 'error' => ''], whmcs_test_connection($byIp, true), 'TestConnection by IP and port');
    check_same(['success' => false, 'error' => 'KaziWhmcs: Bad password.'], whmcs_test_connection(server_params_of(['serverpassword' => 'wrong-password']), true), 'TestConnection with a bad reseller password');
    check_same(2, panel_requests('connectiontest'), 'the panel was asked twice');

    $link = kaziwhmcs_LoginLink(service_params(['serverhostname' => 'panel.example.net:4433', 'serversecure' => 'on', 'serverport' => '443']));
    check(strpos($link, 'href="https://panel.example.net:4433/"') !== false, 'LoginLink: the port in the host name wins', $link);
    $link = kaziwhmcs_LoginLink(service_params(['serverhostname' => '', 'serverip' => '192.0.2.7', 'serversecure' => 'on', 'serverport' => '8443']));
    check(strpos($link, 'href="https://192.0.2.7:8443/"') !== false, "LoginLink: the IP and WHMCS's port", $link);
    check(strpos($link, 'Str0ng') === false && strpos($link, 'reseller-secret') === false, 'LoginLink shows no password', $link);

    $admin = kaziwhmcs_AdminLink(server_params_of());
    $expected = env('KAZI_BRIDGE_URL') . '/admin/provisioning/server/?whmcs_id=' . env('KAZI_SERVER_ID');
    check(strpos($admin, 'href="' . htmlspecialchars($expected) . '"') !== false, "AdminLink: the bridge's page of the server", $admin);
}

function scenario_client_links(): void
{
    global $report;
    config_write();
    $html = kaziwhmcs_ClientArea(service_params());
    check((bool) preg_match('#href="([^"]+)"#', $html, $m), 'ClientArea renders a link', $html);
    $report['client_area'] = html_entity_decode($m[1] ?? '');
    check(strpos($html, 'href="clientarea.php?action=productdetails&amp;id=42&amp;dosinglesignon=1"') !== false, "and WHMCS's single sign-on link", $html);
    // The button speaks the client's language (the stand-in's client is German); English otherwise.
    check(strpos($html, '>Hosting verwalten</a>') !== false, 'ClientArea speaks German to a German client', $html);
    foreach (['french' => 'Gérer votre hébergement', '' => 'Manage your hosting', 'klingon' => 'Manage your hosting'] as $language => $label) {
        $details = ['language' => $language] + service_params()['clientsdetails'];
        $translated = kaziwhmcs_ClientArea(service_params(['clientsdetails' => $details]));
        check(strpos($translated, '>' . $label . '</a>') !== false, "ClientArea speaks to a client of language '$language'", $translated);
    }
    foreach ($GLOBALS['module_log'] as $entry) {
        check(strpos(json_encode($entry), '&sig=' . substr(explode('&sig=', $report['client_area'])[1] ?? 'x', 0, 10)) === false, 'the link signature is not logged', $entry);
    }

    @unlink(KAZIWHMCS_CONFIG_FILE);
    $missing = kaziwhmcs_ServiceSingleSignOn(service_params());
    check(($missing['success'] ?? null) === false && strpos($missing['errorMsg'], 'configuration file') !== false, 'a missing configuration is explained', $missing);
    $error = kaziwhmcs_CreateAccount(service_params());
    check(strpos($error, 'kaziwhmcs: the configuration file') === 0 && strpos($error, 'kaziwhmcs.config.example.php') !== false, 'CreateAccount without configuration', $error);
}

function scenario_bad_secret(): void
{
    config_write(['webhook_secret' => 'not-the-bridge-secret']);
    $error = kaziwhmcs_CreateAccount(service_params());
    check(strpos($error, 'HTTP 401') !== false && strpos($error, "the webhook secret in kaziwhmcs.config.php does not match the bridge's WEBHOOK_SECRET") !== false, 'a bad secret is named', $error);
    $test = whmcs_test_connection(server_params_of(), true);
    check($test['success'] === false && strpos($test['error'], 'does not match') !== false, 'TestConnection names the bad secret', $test);
    check_same(0, count(emulator('GET', 'requests')['requests']), 'the panel was not called');
}

function scenario_bridge_down(): void
{
    config_write(['bridge_url' => env('KAZI_DOWN_URL')]);
    $error = kaziwhmcs_SuspendAccount(service_params());
    check(strpos($error, 'Could not reach the kaziwhmcs bridge at ' . env('KAZI_DOWN_URL')) === 0, 'the bridge down is explained', $error);
    $test = whmcs_test_connection(server_params_of(), false);
    check($test['success'] === false && strpos($test['error'], 'Could not reach') === 0, 'TestConnection explains it too', $test);
}

function scenario_not_json(): void
{
    config_write(['bridge_url' => env('KAZI_NOT_JSON_URL')]);
    $error = kaziwhmcs_CreateAccount(service_params());
    check(strpos($error, 'The kaziwhmcs bridge answered CreateAccount with something that is not JSON (HTTP 200): Please log in') === 0, 'a page that is not JSON is explained', $error);
    config_write(['bridge_url' => env('KAZI_PANEL_URL')]);
    $error = kaziwhmcs_CreateAccount(service_params());
    check(strpos($error, 'The kaziwhmcs bridge answered 404 to CreateAccount') === 0, 'a wrong address is explained', $error);
}

/**
 * After any scenario: no PHP warning, and no secret in the module log.
 */
function check_hygiene(): void
{
    check_same([], $GLOBALS['php_warnings'], 'no PHP warnings or notices');
    $secrets = [
        'Str0ng"pa/ss\\42', 'N3w-pass{word', 'reseller-secret-1', 'wrong-password',
        env('KAZI_WEBHOOK_SECRET'), 'not-the-bridge-secret',
    ];
    // $replaceVars hands WHMCS the secrets to mask: what it stores is the rest.
    $stored = array_map(function ($entry) {
        unset($entry['replace']);
        return $entry;
    }, $GLOBALS['module_log']);
    $logged = var_export($stored, true) . json_encode($stored);
    foreach ($secrets as $secret) {
        foreach ([$secret, substr(json_encode($secret), 1, -1)] as $form) {
            check(strpos($logged, $form) === false, 'the module log does not hold a secret', $form);
        }
    }
    foreach ($GLOBALS['module_log'] as $entry) {
        check_same('kaziwhmcs', $entry['module'], 'logged as the kaziwhmcs module');
    }
}

$scenario = $argv[1] ?? '';
$function = 'scenario_' . str_replace('-', '_', $scenario);
if (!function_exists($function)) {
    fwrite(STDERR, "unknown scenario '$scenario'\n");
    exit(2);
}
try {
    $function();
} catch (Throwable $error) {
    $failures[] = 'uncaught ' . get_class($error) . ': ' . $error->getMessage() . ' at ' . $error->getFile() . ':' . $error->getLine();
}
check_hygiene();
$report['log'] = $GLOBALS['module_log'];
$report['failures'] = $failures;
if (getenv('KAZI_REPORT')) {
    file_put_contents(getenv('KAZI_REPORT'), json_encode($report, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE));
}
foreach ($failures as $failure) {
    echo "FAIL $scenario: $failure\n";
}
echo count($failures) === 0 ? "ok $scenario\n" : count($failures) . " failure(s) in $scenario\n";
exit(count($failures) === 0 ? 0 : 1);
