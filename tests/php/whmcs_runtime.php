<?php
/**
 * Stand-ins of the WHMCS runtime the hooks use: add_hook (run by run_hook),
 * logActivity, WHMCS\Module\Queue and the localAPI commands, over in-memory
 * services. ModuleCreate & co. call the module's function with the service's
 * $params as WHMCS does, and set the service's status on "success"; a failed
 * command goes into the Module Queue, as WHMCS puts it there.
 */

namespace WHMCS\Module {

    class Queue
    {
        /** @var array<int, array> items by id, as GetModuleQueue lists them */
        public static $items = [];

        public static function add($serviceType, $serviceId, $module, $moduleAction, $lastAttemptError)
        {
            foreach (self::$items as $id => $item) {
                if ($item['service_type'] === $serviceType && $item['service_id'] === (int) $serviceId
                    && $item['module_name'] === $module && $item['module_action'] === $moduleAction && !$item['completed']) {
                    self::$items[$id]['last_attempt_error'] = $lastAttemptError;
                    self::$items[$id]['num_retries']++;
                    return true;
                }
            }
            $id = count(self::$items) + 1;
            self::$items[$id] = [
                'id' => $id, 'service_type' => $serviceType, 'service_id' => (int) $serviceId,
                'module_name' => $module, 'module_action' => $moduleAction,
                'last_attempt_error' => $lastAttemptError, 'num_retries' => 0, 'completed' => 0,
            ];
            return true;
        }

        public static function resolve($serviceType, $serviceId, $module, $moduleAction)
        {
            foreach (self::$items as $id => $item) {
                if ($item['service_type'] === $serviceType && $item['service_id'] === (int) $serviceId
                    && $item['module_name'] === $module && $item['module_action'] === $moduleAction) {
                    self::$items[$id]['completed'] = 1;
                }
            }
            return true;
        }

        public static function incomplete(): array
        {
            return array_values(array_filter(self::$items, function ($item) {
                return !$item['completed'];
            }));
        }
    }
}

namespace {

    $GLOBALS['hooks'] = [];
    $GLOBALS['activity_log'] = [];
    $GLOBALS['whmcs_services'] = [];
    $GLOBALS['api_calls'] = [];
    $GLOBALS['emails_sent'] = [];
    $GLOBALS['tickets'] = [];

    const MODULE_FUNCTIONS = [
        'ModuleCreate' => ['CreateAccount', 'Active'],
        'ModuleSuspend' => ['SuspendAccount', 'Suspended'],
        'ModuleUnsuspend' => ['UnsuspendAccount', 'Active'],
        'ModuleTerminate' => ['TerminateAccount', 'Terminated'],
        'ModuleChangePw' => ['ChangePassword', null],
    ];

    function add_hook($hookPoint, $priority, $function)
    {
        $GLOBALS['hooks'][$hookPoint][] = $function;
    }

    function run_hook(string $hookPoint, array $vars = []): void
    {
        foreach ($GLOBALS['hooks'][$hookPoint] ?? [] as $function) {
            $function($vars);
        }
    }

    function logActivity($description, $userId = 0)
    {
        $GLOBALS['activity_log'][] = ['description' => $description, 'userid' => $userId];
    }

    /**
     * A WHMCS service: its module $params and status.
     */
    function whmcs_service_add(array $params, string $status = 'Pending'): void
    {
        $GLOBALS['whmcs_services'][(int) $params['serviceid']] = ['params' => $params, 'status' => $status];
    }

    /**
     * WHMCS running a module command itself (an order's setup, the daily suspensions):
     * the status on success, the Module Queue on anything else.
     */
    function whmcs_module_command(string $command, int $serviceId): string
    {
        $service = $GLOBALS['whmcs_services'][$serviceId];
        $result = call_user_func('kaziwhmcs_' . $command, $service['params']);
        if ($result === 'success') {
            foreach (MODULE_FUNCTIONS as list($name, $status)) {
                if ($name === $command && $status !== null) {
                    $GLOBALS['whmcs_services'][$serviceId]['status'] = $status;
                }
            }
        } else {
            \WHMCS\Module\Queue::add('service', $serviceId, 'kaziwhmcs', $command, $result);
        }
        return $result;
    }

    function localAPI($command, $values = [], $adminUser = '')
    {
        $GLOBALS['api_calls'][] = [$command, $values];
        if (isset(MODULE_FUNCTIONS[$command])) {
            $serviceId = (int) ($values['serviceid'] ?? 0);
            if (!isset($GLOBALS['whmcs_services'][$serviceId])) {
                return ['result' => 'error', 'message' => 'Service ID not found'];
            }
            $result = whmcs_module_command(MODULE_FUNCTIONS[$command][0], $serviceId);
            return $result === 'success' ? ['result' => 'success'] : ['result' => 'error', 'message' => $result];
        }
        switch ($command) {
            case 'GetModuleQueue':
                $queue = array_values(array_filter(\WHMCS\Module\Queue::incomplete(), function ($item) use ($values) {
                    return (!isset($values['moduleName']) || $item['module_name'] === $values['moduleName'])
                        && (!isset($values['serviceType']) || $item['service_type'] === $values['serviceType']);
                }));
                return ['result' => 'success', 'count' => count($queue), 'queue' => $queue];
            case 'GetActivityLog':
                // WHMCS searches the description for the string (SQL LIKE %...%).
                $found = array_values(array_filter($GLOBALS['activity_log'], function ($entry) use ($values) {
                    return strpos($entry['description'], (string) ($values['description'] ?? '')) !== false;
                }));
                return ['result' => 'success', 'totalresults' => count($found), 'activity' => ['entry' => $found]];
            case 'GetClientsProducts':
                $service = $GLOBALS['whmcs_services'][(int) ($values['serviceid'] ?? 0)] ?? null;
                if ($service === null) {
                    return ['result' => 'success', 'totalresults' => 0, 'products' => ['product' => []]];
                }
                $product = ['id' => $service['params']['serviceid'], 'clientid' => $service['params']['userid'],
                    'domain' => $service['params']['domain'], 'status' => $service['status']];
                return ['result' => 'success', 'totalresults' => 1, 'products' => ['product' => [$product]]];
            case 'SendEmail':
                $GLOBALS['emails_sent'][] = $values;
                return ['result' => 'success'];
            case 'OpenTicket':
                $GLOBALS['tickets'][] = $values;
                return ['result' => 'success', 'id' => count($GLOBALS['tickets'])];
        }
        throw new \LogicException("localAPI $command is not stood in for");
    }
}
