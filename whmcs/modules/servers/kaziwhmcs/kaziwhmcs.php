<?php
/**
 * kaziwhmcs: sell i-MSCP hosting through WHMCS.
 *
 * This WHMCS server module does not call the panel itself: every command is a
 * signed webhook to the kaziwhmcs bridge, which journals it, runs it on the
 * panel (KaziWhmcs plugin) and answers its outcome. Settings live in
 * kaziwhmcs.config.php next to this file (see kaziwhmcs.config.example.php).
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

require_once __DIR__ . '/lib/config.php';
require_once __DIR__ . '/lib/contract.php';
require_once __DIR__ . '/lib/log.php';
require_once __DIR__ . '/lib/bridge.php';
require_once __DIR__ . '/lib/links.php';
require_once __DIR__ . '/lib/usage.php';
require_once __DIR__ . '/lib/admin.php';
require_once __DIR__ . '/lib/queue.php';

function kaziwhmcs_MetaData()
{
    return [
        'DisplayName' => 'i-MSCP (kaziwhmcs bridge)',
        'APIVersion' => '1.1',
        'RequiresServer' => true,
        'DefaultNonSSLPort' => '80',
        'DefaultSSLPort' => '443',
        'ServiceSingleSignOnLabel' => 'Open the hosting control panel',
        'AdminSingleSignOnLabel' => 'Login to panel as the reseller',
        // WHMCS's Server Sync tool (ListAccounts): accounts are told apart by domain, and
        // a product by its "Package Name" (the i-MSCP hosting plan).
        'ListAccountsUniqueIdentifierDisplayName' => 'Domain',
        'ListAccountsUniqueIdentifierField' => 'domain',
        'ListAccountsProductField' => 'configoption1',
    ];
}

function kaziwhmcs_ConfigOptions()
{
    return [
        'Package Name' => [
            'Type' => 'text',
            'Size' => '25',
            'Description' => 'The i-MSCP hosting plan of this product, as the reseller named it on the panel',
        ],
    ];
}

function kaziwhmcs_CreateAccount(array $params)
{
    return \KaziWhmcs\command_run('CreateAccount', $params)[0];
}

function kaziwhmcs_SuspendAccount(array $params)
{
    return \KaziWhmcs\command_run('SuspendAccount', $params)[0];
}

function kaziwhmcs_UnsuspendAccount(array $params)
{
    return \KaziWhmcs\command_run('UnsuspendAccount', $params)[0];
}

function kaziwhmcs_TerminateAccount(array $params)
{
    return \KaziWhmcs\command_run('TerminateAccount', $params)[0];
}

function kaziwhmcs_ChangePassword(array $params)
{
    return \KaziWhmcs\command_run('ChangePassword', $params)[0];
}

/**
 * i-MSCP has no renewal: the account simply stays active.
 */
function kaziwhmcs_Renew(array $params)
{
    \KaziWhmcs\log_call('Renew', ['serviceid' => $params['serviceid'] ?? null], '', 'success (no panel call)', \KaziWhmcs\secrets_of($params, null));
    return 'success';
}

/**
 * WHMCS offers Test Connection "when adding or editing an existing server": an unsaved
 * server has no id yet, so the bridge tests the form's fields and stores nothing.
 */
function kaziwhmcs_TestConnection(array $params)
{
    $text = \KaziWhmcs\id_value($params['serverid'] ?? null) === null
        ? \KaziWhmcs\form_connection_test($params)
        : \KaziWhmcs\command_run('TestConnection', $params)[0];
    return $text === 'success' ? ['success' => true, 'error' => ''] : ['success' => false, 'error' => $text];
}

/**
 * The bridge's last usage import into tblhosting, at once (never cut off by wait_seconds).
 */
function kaziwhmcs_UsageUpdate(array $params)
{
    return \KaziWhmcs\usage_update($params);
}

/**
 * The protocol has no plan change: a clear error, and the bridge journals the change as
 * owed (its dashboard lists it until an admin changed the plan on the panel).
 */
function kaziwhmcs_ChangePackage(array $params)
{
    return \KaziWhmcs\command_run('ChangePackage', $params)[0];
}

/**
 * The bridge's view of the service on its admin page (quick; a note when the bridge is down).
 */
function kaziwhmcs_AdminServicesTabFields(array $params)
{
    return \KaziWhmcs\admin_tab_fields($params);
}

/**
 * Custom functions return "success" or an error text, which WHMCS shows on the service
 * page; links live in the service tab (AdminServicesTabFields) and single sign-on.
 */
function kaziwhmcs_AdminCustomButtonArray()
{
    return [
        'Complete from the bridge' => 'QueueComplete',
    ];
}

/**
 * What the cron hook does, now, for this service's Module Queue items.
 */
function kaziwhmcs_QueueComplete(array $params)
{
    $serviceId = \KaziWhmcs\id_value($params['serviceid'] ?? null);
    if ($serviceId === null) {
        return 'kaziwhmcs: this service has no id yet';
    }
    $done = \KaziWhmcs\queue_complete($serviceId);
    if (isset($done['skipped'])) {
        return $done['skipped'];
    }
    $problems = array_merge($done['failed'], $done['errors']);
    return $problems === [] ? 'success' : \KaziWhmcs\mask_text(implode('; ', $problems), \KaziWhmcs\secrets_of($params, null));
}

/**
 * WHMCS's server list: log in to the panel as the reseller, through the bridge's one-time login.
 */
function kaziwhmcs_AdminSingleSignOn(array $params)
{
    list($url, $error) = \KaziWhmcs\panel_login_url($params, 'AdminSingleSignOn');
    return $url === null ? ['success' => false, 'errorMsg' => $error] : ['success' => true, 'redirectTo' => $url];
}

/**
 * WHMCS's Server Sync tool: the reseller's accounts on the panel.
 */
function kaziwhmcs_ListAccounts(array $params)
{
    return \KaziWhmcs\accounts_list($params);
}

/**
 * The product details page of the client area: the bridge's client area of the service,
 * and the panel through single sign-on (WHMCS's documented link, which runs
 * ServiceSingleSignOn when clicked, so each click gets a fresh one-time link).
 */
function kaziwhmcs_ClientArea(array $params)
{
    $serviceId = \KaziWhmcs\id_value($params['serviceid'] ?? null);
    $sso = $serviceId === null ? '' : ' <a class="btn btn-default" href="clientarea.php?action=productdetails&amp;id=' . $serviceId
        . '&amp;dosinglesignon=1" target="_blank" rel="noopener noreferrer">' . \KaziWhmcs\html(\KaziWhmcs\client_area_text($params, 'panel')) . '</a>';
    list($url, $error) = \KaziWhmcs\client_link($params, 'ClientArea');
    if ($url === null) {
        return '<div class="alert alert-warning">' . \KaziWhmcs\html(\KaziWhmcs\client_area_text($params, 'unavailable')) . '</div>' . $sso;
    }
    return '<a class="btn btn-primary" href="' . \KaziWhmcs\html($url) . '" target="_blank" rel="noopener noreferrer">'
        . \KaziWhmcs\html(\KaziWhmcs\client_area_text($params, 'manage')) . '</a>' . $sso;
}

/**
 * The admin's and the customer's way into the panel: a fresh one-time link of the bridge
 * (valid once, for a minute) that logs in as the customer; the password never reaches
 * WHMCS's page.
 */
function kaziwhmcs_ServiceSingleSignOn(array $params)
{
    list($url, $error) = \KaziWhmcs\panel_login_url($params, 'ServiceSingleSignOn');
    return $url === null ? ['success' => false, 'errorMsg' => $error] : ['success' => true, 'redirectTo' => $url];
}

/**
 * On WHMCS's server list: the bridge's admin page of this server (journal, tests).
 */
function kaziwhmcs_AdminLink(array $params)
{
    try {
        $config = \KaziWhmcs\config_load();
    } catch (\KaziWhmcs\ConfigError $error) {
        \KaziWhmcs\log_call('AdminLink', [], '', $error->getMessage(), \KaziWhmcs\secrets_of($params, null));
        return \KaziWhmcs\html($error->getMessage());
    }
    $url = \KaziWhmcs\server_admin_url($config, \KaziWhmcs\id_value($params['serverid'] ?? null));
    \KaziWhmcs\log_call('AdminLink', ['serverid' => $params['serverid'] ?? null], '', $url, \KaziWhmcs\secrets_of($params, $config));
    return '<a href="' . \KaziWhmcs\html($url) . '" target="_blank" rel="noopener noreferrer" class="btn btn-default">'
        . \KaziWhmcs\html('kaziwhmcs bridge') . '</a>';
}

/**
 * On the service's admin page: the panel's login page (no password in the page).
 */
function kaziwhmcs_LoginLink(array $params)
{
    $url = \KaziWhmcs\panel_url($params);
    \KaziWhmcs\log_call('LoginLink', ['serviceid' => $params['serviceid'] ?? null], '', $url, \KaziWhmcs\secrets_of($params, null));
    return '<a href="' . \KaziWhmcs\html($url) . '" target="_blank" rel="noopener noreferrer" class="moduleloginlink">'
        . \KaziWhmcs\html('Login to i-MSCP') . '</a>';
}
