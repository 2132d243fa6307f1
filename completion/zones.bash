# bash completion for zonecfg, zoneadm, zlogin, pooladm, poolcfg, poolbind and poolstat.
# Installed once per command in /usr/share/bash-completion/completions/, where
# bash-completion loads it on first use; it can also be sourced directly (it needs nothing
# from bash-completion). Zone and pool names come from the commands themselves
# (`zoneadm list`, `pooladm`), in the alternate root when the line gives one with -R.

# The alternate root the line names (-R DIR or -RDIR), for the name look-ups.
_zones_root() {
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -R)
            printf '%s' "${COMP_WORDS[i + 1]}"
            return
            ;;
        -R?*)
            printf '%s' "${COMP_WORDS[i]#-R}"
            return
            ;;
        esac
    done
}

# Zone names: `zoneadm list` with the flags given (-c every configured zone, -i installed).
_zones_names() {
    local root
    root=$(_zones_root)
    zoneadm ${root:+-R "$root"} list "$@" 2>/dev/null | grep -vx global
}

# Pool names of the running configuration.
_zones_pools() {
    local root
    root=$(_zones_root)
    pooladm ${root:+-R "$root"} 2>/dev/null | awk '$1 == "pool" { print $2 }'
}

# COMPREPLY: the words of list $1 (separated by blanks or new lines) that start with $2.
_zones_reply() {
    local words=($1)
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "${words[*]}" -- "$2"))
}

_zones_files() {
    local IFS=$'\n'
    COMPREPLY=($(compgen -f -- "$1"))
}

_zoneadm() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local subs="help list boot halt ready shutdown reboot verify install uninstall mark apply"
    COMPREPLY=()
    case $prev in
    -z)
        _zones_reply "$(_zones_names -c)" "$cur"
        return
        ;;
    -R)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    -u) return ;;
    esac
    # The subcommand: the first word that is neither an option nor an option's argument.
    local i sub=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -z | -u | -R) ((i++)) ;;
        -*) ;;
        *)
            sub=${COMP_WORDS[i]}
            break
            ;;
        esac
    done
    case $sub in
    "") if [[ $cur == -* ]]; then
        _zones_reply "-z -u -R -V --version" "$cur"
    else
        _zones_reply "$subs" "$cur"
    fi ;;
    list) _zones_reply "-c -i -p -v" "$cur" ;;
    boot | reboot) _zones_reply "--" "$cur" ;;
    shutdown) _zones_reply "-r --" "$cur" ;;
    uninstall) _zones_reply "-F" "$cur" ;;
    mark) _zones_reply "incomplete" "$cur" ;;
    esac
}

# zonecfg's resource types and the zone's own properties.
_zonecfg_resources="fs net anet device rctl attr dataset dedicated-cpu capped-cpu capped-memory admin security-flags"
_zonecfg_properties="zonename zonepath brand autoboot autoshutdown bootargs pool limitpriv
scheduling-class ip-type hostid fs-allowed cpu-shares max-lwps max-processes max-shm-memory
max-shm-ids max-sem-ids max-msg-ids"
_zonecfg_subcommands="add cancel clear commit create delete end exit export help info remove
revert select set verify"

_zonecfg() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    case $prev in
    -z)
        _zones_reply "$(_zones_names -c)" "$cur"
        return
        ;;
    -f)
        _zones_files "$cur"
        return
        ;;
    -R)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    add | select | remove | info)
        _zones_reply "$_zonecfg_resources" "$cur"
        return
        ;;
    set | clear)
        compopt -o nospace 2>/dev/null
        local p
        if [[ $prev == set ]]; then
            p=$(printf '%s=\n' $_zonecfg_properties)
        else
            p=$_zonecfg_properties
        fi
        _zones_reply "$p" "$cur"
        return
        ;;
    create)
        _zones_reply "-F -a -b -t" "$cur"
        return
        ;;
    -t)
        _zones_reply "SYSdefault SYSblank $(_zones_names -c)" "$cur"
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        _zones_reply "-z -f -R" "$cur"
    else
        # After `-z zone`, one subcommand (or several, separated by ';').
        _zones_reply "$_zonecfg_subcommands" "$cur"
    fi
}

_zlogin() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    case $prev in
    -l)
        COMPREPLY=($(compgen -u -- "$cur"))
        return
        ;;
    -e) return ;;
    -R)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    esac
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -l | -e | -R) ((i++)) ;;
        -*) ;;
        *)
            # After the zone name: the command to run in the zone.
            COMPREPLY=($(compgen -c -- "$cur"))
            return
            ;;
        esac
    done
    if [[ $cur == -* ]]; then
        _zones_reply "-C -d -E -e -i -l -n -Q -S -R" "$cur"
    else
        # The console of an installed zone can be watched before it boots.
        _zones_reply "$(_zones_names -i)" "$cur"
    fi
}

_pooladm() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    case $prev in
    -R)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        _zones_reply "-c -d -e -n -s -x -R" "$cur"
    else
        _zones_files "$cur"
    fi
}

_poolcfg() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    case $prev in
    -c)
        _zones_reply "info create destroy modify associate transfer discover rename" "$cur"
        return
        ;;
    -f)
        _zones_files "$cur"
        return
        ;;
    -R)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        _zones_reply "-c -d -f -h -R" "$cur"
    else
        _zones_files "$cur"
    fi
}

_poolbind() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    case $prev in
    -p)
        _zones_reply "$(_zones_pools)" "$cur"
        return
        ;;
    -i)
        _zones_reply "pid zoneid" "$cur"
        return
        ;;
    -R)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    esac
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} == -i && ${COMP_WORDS[i + 1]} == zoneid ]]; then
            _zones_reply "$(_zones_names)" "$cur"
            return
        fi
        if [[ ${COMP_WORDS[i]} == -e ]]; then
            COMPREPLY=($(compgen -c -- "$cur"))
            return
        fi
    done
    if [[ $cur == -* ]]; then
        _zones_reply "-p -e -i -q -Q -R" "$cur"
    fi
}

_poolstat() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    case $prev in
    -p)
        _zones_reply "$(_zones_pools)" "$cur"
        return
        ;;
    -r)
        _zones_reply "all pset" "$cur"
        return
        ;;
    -o)
        _zones_reply "id pool type rid rset min max size used load" "$cur"
        return
        ;;
    -T)
        _zones_reply "u d" "$cur"
        return
        ;;
    -R)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        _zones_reply "-p -r -o -T -R" "$cur"
    fi
}

complete -F _zoneadm zoneadm
complete -F _zonecfg zonecfg
complete -F _zlogin zlogin
complete -F _pooladm pooladm
complete -F _poolcfg poolcfg
complete -F _poolbind poolbind
complete -F _poolstat poolstat
