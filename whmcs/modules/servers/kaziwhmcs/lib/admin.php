<?php
/**
 * What WHMCS's admin area shows of the bridge: the service tab (with the link to the
 * bridge's page of the service), single sign-on through the bridge's one-time panel login,
 * Test Connection of an unsaved server and the Server Sync tool's account list. Quick, and
 * never an error page when the bridge is down.
 */

namespace KaziWhmcs;

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

// WHMCS renders the service page while it waits: a bridge that is down costs this, no more.
const ADMIN_TAB_TIMEOUT = 3;
const ADMIN_TAB_CONNECT_TIMEOUT = 2;
const WHMCS_STATUS = [
    'pending' => 'Pending',
    'active' => 'Active',
    'suspended' => 'Suspended',
    'terminated' => 'Terminated',
    'cancelled' => 'Cancelled',
];

function service_path(array $params, string $suffix = ''): ?string
{
    $serviceId = id_value($params['serviceid'] ?? null);
    return $serviceId === null ? null : "/webhooks/whmcs/services/$serviceId/$suffix";
}

/**
 * Label => HTML for the service's admin page: the bridge's view, or why it is not shown.
 */
function admin_tab_fields(array $params): array
{
    try {
        $config = config_load();
        $path = service_path($params);
        if ($path === null) {
            return ['kaziwhmcs bridge' => html('This service has no id yet.')];
        }
        $view = bridge_read($config, 'GET', $path, null, 'the service view', ADMIN_TAB_TIMEOUT, ADMIN_TAB_CONNECT_TIMEOUT);
    } catch (ConfigError | BridgeError $error) {
        $text = $error->getMessage();
        log_call('AdminServicesTabFields', ['serviceid' => $params['serviceid'] ?? null], '', $text, secrets_of($params, $config ?? null));
        return ['kaziwhmcs bridge' => '<span class="label label-warning">' . html('not available') . '</span> ' . html($text)];
    }
    $last = is_array($view['last_operation'] ?? null) ? $view['last_operation'] : null;
    $fields = [
        'Bridge status' => html((string) ($view['status'] ?? '?')) . (empty($view['on_panel']) ? ' ' . html('(not on the panel)') : ''),
        'Last operation' => $last === null ? html('none')
            : html("#{$last['operation']} {$last['command']}: {$last['state']}" . (isset($last['result']) && $last['result'] !== '' ? " ({$last['result']})" : '') . " at {$last['updated_at']}"),
        'Usage imported' => html((string) ($view['usage_imported_at'] ?? 'never')),
    ];
    if (!empty($view['plan_change_owed'])) {
        $fields['Plan change'] = '<span class="label label-danger">' . html('owed: change the plan on the panel, then mark it done in the bridge') . '</span>';
    }
    if (isset($view['admin_url']) && is_string($view['admin_url'])) {
        $fields['In the bridge'] = '<a href="' . html($view['admin_url']) . '" target="_blank" rel="noopener noreferrer">' . html('Open in the bridge') . '</a>';
    }
    return $fields;
}

/**
 * Who asks, for the bridge's journal: an admin, or (single sign-on from the client area)
 * the customer.
 */
function login_asker(array $params, string $action): array
{
    if (isset($_SESSION['adminid']) || $action === 'AdminSingleSignOn') {
        return ['admin' => isset($_SESSION['adminid']) ? 'admin #' . (int) $_SESSION['adminid'] : ''];
    }
    return ['client' => 'client #' . (int) (id_value($_SESSION['uid'] ?? null) ?? id_value($params['userid'] ?? null) ?? 0)];
}

/**
 * Test Connection of a server WHMCS has not saved: the bridge tries the form's fields on
 * the panel and stores nothing; returns "success" or the reason.
 */
function form_connection_test(array $params): string
{
    $config = null;
    $server = server_params($params);
    try {
        $config = config_load();
        $answer = bridge_read($config, 'POST', '/webhooks/whmcs/connection-test/', ['params' => $server], 'Test Connection');
        $text = is_string($answer['result'] ?? null) ? $answer['result'] : 'kaziwhmcs: the bridge answered Test Connection without a result';
    } catch (ConfigError | BridgeError $error) {
        $text = $error->getMessage();
    }
    log_call('TestConnection', ['server' => $server], '', $text, secrets_of($params, $config));
    return $text;
}

/**
 * [one-time login URL, error] for the service's customer, or (no service) the reseller.
 */
function panel_login_url(array $params, string $action): array
{
    try {
        $config = config_load();
        $serverId = id_value($params['serverid'] ?? null);
        $path = $action === 'AdminSingleSignOn'
            ? ($serverId === null ? null : "/webhooks/whmcs/servers/$serverId/panel-login/")
            : service_path($params, 'panel-login/');
        if ($path === null) {
            return [null, 'kaziwhmcs: save it first: the bridge knows services and servers by their WHMCS id'];
        }
        $answer = bridge_read($config, 'POST', $path, login_asker($params, $action), 'a panel login');
    } catch (ConfigError | BridgeError $error) {
        log_call($action, ['serviceid' => $params['serviceid'] ?? null], '', $error->getMessage(), secrets_of($params, $config ?? null));
        return [null, $error->getMessage()];
    }
    // The link logs in to the panel for a minute: it stays out of the log.
    log_call($action, ['serviceid' => $params['serviceid'] ?? null], '', 'one-time panel login link issued', secrets_of($params, $config));
    return [(string) ($answer['url'] ?? ''), null];
}

/**
 * WHMCS's Server Sync tool: the reseller's accounts, as the bridge lists them.
 */
function accounts_list(array $params): array
{
    try {
        $config = config_load();
        $serverId = id_value($params['serverid'] ?? null);
        if ($serverId === null) {
            return ['success' => false, 'error' => 'kaziwhmcs: save the server first', 'accounts' => []];
        }
        $answer = bridge_read($config, 'GET', "/webhooks/whmcs/servers/$serverId/accounts/", null, 'the account list');
    } catch (ConfigError | BridgeError $error) {
        log_call('ListAccounts', ['serverid' => $params['serverid'] ?? null], '', $error->getMessage(), secrets_of($params, $config ?? null));
        return ['success' => false, 'error' => $error->getMessage(), 'accounts' => []];
    }
    $server = server_params($params);
    $accounts = [];
    foreach ((array) ($answer['accounts'] ?? []) as $account) {
        if (!is_array($account) || !isset($account['domain'])) {
            continue;
        }
        $created = isset($account['created_at']) ? strtotime((string) $account['created_at']) : false;
        $accounts[] = [
            'email' => (string) ($account['email'] ?? ''),
            // The panel login is the domain.
            'username' => (string) $account['domain'],
            'domain' => (string) $account['domain'],
            'uniqueIdentifier' => (string) $account['domain'],
            'product' => (string) ($account['plan'] ?? ''),
            'primaryip' => (string) ($server['serverip'] ?? ''),
            'created' => date('Y-m-d H:i:s', $created === false ? time() : $created),
            // Every account the panel lists exists there; the bridge knows the state of its own.
            'status' => WHMCS_STATUS[(string) ($account['status'] ?? 'active')] ?? 'Active',
        ];
    }
    log_call('ListAccounts', ['serverid' => $serverId], '', count($accounts) . ' accounts', secrets_of($params, $config));
    return ['success' => true, 'accounts' => $accounts];
}
