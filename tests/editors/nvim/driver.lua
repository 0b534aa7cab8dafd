-- Drives a real headless Neovim through one scenario of tests/editors/test_nvim.py and writes what it saw as
-- JSON. Started as:
--   nvim --headless --clean -u NONE --cmd 'set rtp^=<repo>/editors/nvim' -c 'luafile driver.lua'
-- Environment: KUBE_LSP_SCENARIO, KUBE_LSP_FILE (the manifest to open), KUBE_LSP_RESULT (JSON out),
-- KUBE_LSP_CMD (JSON array: the server command), KUBE_LSP_SETTINGS (JSON: the kubeLsp settings).

local env = vim.env
local out = {}

-- What the integration tells the user: every vim.notify, recorded (and not shown: there is no UI).
local notifications = {}
vim.notify = function(msg, level)
  notifications[#notifications + 1] = { message = msg, level = level or vim.log.levels.INFO }
end
out.notifications = notifications

local function finish(code)
  local f = assert(io.open(env.KUBE_LSP_RESULT, 'w'))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd(code == 0 and 'qall!' or ('cquit! ' .. code))
end

local function wait(ms, cond, what)
  if not vim.wait(ms, cond, 20) then
    error('timed out waiting for ' .. what)
  end
end

local function diagnostics(bufnr)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    list[#list + 1] = { lnum = d.lnum, col = d.col, code = d.code, message = d.message, severity = d.severity }
  end
  table.sort(list, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  return list
end

local function client()
  return vim.lsp.get_clients({ name = 'kube_lsp' })[1]
end

-- The user's side of the setup: the config shipped in editors/nvim/lsp/kube_lsp.lua, enabled the 0.11 way;
-- returns the buffer of the opened file (the server may not have started).
local function open()
  vim.cmd('filetype on')
  vim.cmd('runtime! plugin/kube_lsp.lua')
  local override = { cmd = vim.json.decode(env.KUBE_LSP_CMD) }
  if env.KUBE_LSP_SETTINGS and env.KUBE_LSP_SETTINGS ~= '' then
    override.settings = { kubeLsp = vim.json.decode(env.KUBE_LSP_SETTINGS) }
  end
  vim.lsp.config('kube_lsp', override)
  vim.lsp.enable('kube_lsp')
  vim.cmd('edit ' .. vim.fn.fnameescape(env.KUBE_LSP_FILE))
  return vim.api.nvim_get_current_buf()
end

local function start()
  local bufnr = open()
  wait(20000, function()
    return client() ~= nil and client().initialized
  end, 'the client to attach')
  return bufnr
end

local function wait_diagnostics(bufnr, cond, what)
  wait(20000, function()
    return cond(diagnostics(bufnr))
  end, what or 'diagnostics')
end

local function any_code(code)
  return function(list)
    for _, d in ipairs(list) do
      if d.code == code then
        return true
      end
    end
    return false
  end
end

local function lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
end

local function diff_buffer()
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.bo[b].filetype == 'diff' then
      return b
    end
  end
end

local scenarios = {}

function scenarios.diagnostics()
  local bufnr = start()
  wait_diagnostics(bufnr, function(list)
    return #list > 0
  end)
  local c = client()
  out.filetype = vim.bo[bufnr].filetype
  out.root_dir = c.root_dir
  out.name = c.name
  out.diagnostics = diagnostics(bufnr)
end

function scenarios.quickfix()
  local bufnr = start()
  local line = tonumber(env.KUBE_LSP_LINE) -- 0-based line of the finding to fix
  wait_diagnostics(bufnr, function(list)
    return #list > 0
  end)
  out.before = diagnostics(bufnr)
  local version = vim.lsp.util.buf_versions[bufnr]
  vim.api.nvim_win_set_cursor(0, { line + 1, 0 })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      return action.kind == 'quickfix' and action.isPreferred == true
    end,
  })
  wait(10000, function()
    return vim.lsp.util.buf_versions[bufnr] ~= version
  end, 'the quick fix to edit the buffer')
  wait_diagnostics(bufnr, function(list)
    for _, d in ipairs(list) do
      if d.lnum == line then
        return false
      end
    end
    return true
  end, 'the fixed line to have no diagnostic')
  out.lines = lines(bufnr)
  out.after = diagnostics(bufnr)
end

function scenarios.dryrun()
  local bufnr = start()
  vim.cmd('KubeDryRun')
  wait_diagnostics(bufnr, any_code('KL900'), 'a dry-run rejection')
  out.diagnostics = diagnostics(bufnr)
end

function scenarios.diff()
  start()
  vim.cmd('KubeDiff')
  wait(20000, function()
    return diff_buffer() ~= nil
  end, 'the diff buffer')
  local b = diff_buffer()
  out.lines = lines(b)
  out.filetype = vim.bo[b].filetype
  out.modifiable = vim.bo[b].modifiable
  out.buftype = vim.bo[b].buftype
  out.windows = #vim.api.nvim_tabpage_list_wins(0)
end

function scenarios.codelens_diff()
  local bufnr = start()
  local c = client()
  local lenses
  c:request('textDocument/codeLens', { textDocument = vim.lsp.util.make_text_document_params(bufnr) },
    function(_, result)
      lenses = result
    end, bufnr)
  wait(10000, function()
    return lenses ~= nil
  end, 'code lenses')
  out.titles = vim.tbl_map(function(l)
    return l.command.title
  end, lenses)
  for _, lens in ipairs(lenses) do
    if lens.command.command == 'kube-lsp.diff' then
      c:exec_cmd(lens.command, { bufnr = bufnr }) -- as clicking the lens does: handled client-side
      break
    end
  end
  wait(20000, function()
    return diff_buffer() ~= nil
  end, 'the diff buffer')
  out.lines = lines(diff_buffer())
end

function scenarios.diff_all()
  start()
  vim.cmd('KubeDiffAll')
  wait(30000, function()
    return diff_buffer() ~= nil
  end, 'the diff buffer')
  out.lines = lines(diff_buffer())
  out.filetype = vim.bo[diff_buffer()].filetype
end

local function notified(prefix)
  for _, n in ipairs(notifications) do
    if vim.startswith(n.message, prefix) then
      return n
    end
  end
end

--- Runs each `|`-separated command of KUBE_LSP_COMMANDS and waits for a notification starting with the
--- matching `|`-separated prefix of KUBE_LSP_EXPECT.
function scenarios.commands()
  start()
  local expect = vim.split(env.KUBE_LSP_EXPECT, '|', { plain = true })
  for i, command in ipairs(vim.split(env.KUBE_LSP_COMMANDS, '|', { plain = true })) do
    vim.cmd(command)
    wait(20000, function()
      return notified(expect[i]) ~= nil
    end, 'a notification starting with ' .. expect[i])
  end
end

function scenarios.completion()
  start()
  -- Completion waits at most 2 s for the server: on a loaded machine, press <Tab> again.
  wait(20000, function()
    out.contexts = vim.fn.getcompletion('KubeContext ', 'cmdline')
    return #out.contexts > 0
  end, 'the context completion')
  out.prefixed = vim.fn.getcompletion('KubeContext st', 'cmdline')
  out.versions = vim.fn.getcompletion('KubeVersion 1.2', 'cmdline')
end

--- The lenses of the buffer once `ready(lenses)` holds (the workspace index may come later than the file).
local function lenses_of(bufnr, ready)
  local found
  wait(20000, function()
    local done = false
    client():request('textDocument/codeLens', { textDocument = vim.lsp.util.make_text_document_params(bufnr) },
      function(_, result)
        if result and ready(result) then
          found = result
        end
        done = true
      end, bufnr)
    vim.wait(5000, function()
      return done
    end, 10)
    return found ~= nil
  end, 'the code lenses')
  return found
end

local function titled(pattern)
  return function(lenses)
    for _, l in ipairs(lenses) do
      if l.command.title:match(pattern) then
        return l
      end
    end
  end
end

--- Clicks (as exec_cmd does) the lens whose title matches KUBE_LSP_LENS; reports the quickfix list and the
--- floating windows after it.
function scenarios.lens()
  local bufnr = start()
  local find = titled(env.KUBE_LSP_LENS)
  local lens = find(lenses_of(bufnr, find))
  out.command = lens.command
  client():exec_cmd(lens.command, { bufnr = bufnr })
  local function float()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        return w
      end
    end
  end
  wait(20000, function()
    return #vim.fn.getqflist() > 0 or float() ~= nil
  end, 'the quickfix list or a float')
  out.quickfix = vim.tbl_map(function(item)
    return { file = vim.api.nvim_buf_get_name(item.bufnr), lnum = item.lnum, col = item.col, text = item.text }
  end, vim.fn.getqflist())
  out.quickfix_title = vim.fn.getqflist({ title = 1 }).title
  local w = float()
  out.float = w and vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false) or nil
  out.float_filetype = w and vim.bo[vim.api.nvim_win_get_buf(w)].filetype or nil
end

--- The server's view, from the kube-lsp.status command.
local function status(bufnr)
  local result
  client():request('workspace/executeCommand', { command = 'kube-lsp.status', arguments = {} }, function(_, r)
    result = r
  end, bufnr)
  wait(10000, function()
    return result ~= nil
  end, 'kube-lsp.status')
  return result
end

function scenarios.pickers()
  local bufnr = start()
  vim.cmd('KubeContext ' .. env.KUBE_LSP_CONTEXT)
  vim.cmd('KubeVersion ' .. env.KUBE_LSP_VERSION)
  wait(10000, function()
    local s = status(bufnr)
    return s.context == env.KUBE_LSP_CONTEXT and s.kubeVersion == env.KUBE_LSP_VERSION
  end, 'the choices to reach the server')
  -- Any settings change makes the server pull its configuration again: the choices must survive it.
  local c = client()
  c:notify('workspace/didChangeConfiguration', { settings = c.settings })
  vim.wait(1000)
  local s = status(bufnr)
  out.context, out.kubeVersion = s.context, s.kubeVersion
end

local function an_error_notified()
  for _, n in ipairs(notifications) do
    if n.level == vim.log.levels.ERROR then
      return true
    end
  end
  return false
end

--- A server that cannot start or stops on its own: wait for the integration's error message.
function scenarios.server_failure()
  open()
  wait(20000, an_error_notified, 'an error notification')
  vim.wait(200) -- anything said right after it, too
end

local ok, err = xpcall(function()
  scenarios[env.KUBE_LSP_SCENARIO]()
end, debug.traceback)
if not ok then
  out.error = err
  out.messages = vim.api.nvim_exec2('messages', { output = true }).output
  local c = client()
  out.diagnostics_now = c and diagnostics(vim.api.nvim_get_current_buf()) or nil
end
finish(ok and 0 or 1)
