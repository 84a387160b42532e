# bash completion for bvlive(1): commands, options, enum values, and live ids/custom_ids
# (asked from the running daemon with `bvlive list --json`; no jq needed).
# Installed as bash-completion/completions/bvlive; or source it from ~/.bashrc.

_bvlive_ids() {
    # $1: the bvlive binary; $2: --socket PATH or empty
    local out args=()
    [[ -n $2 ]] && args=(--socket "$2")
    out=$("$1" "${args[@]}" list --json 2>/dev/null) || return 0
    # `--json` output is pretty-printed, one key per line: "id": "abc", "custom_id": "x"
    printf '%s\n' "$out" |
        sed -n -E 's/^[[:space:]]*"(id|custom_id)"[[:space:]]*:[[:space:]]*"([^"]*)".*/\2/p'
}

_bvlive() {
    local cur prev
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}

    local commands="create update list show events sessions preview start end cancel close
        reopen archive delete rotate-key status reload"
    local id_commands=" update show events sessions preview start end cancel close reopen
        archive delete rotate-key "
    local global_opts="--socket --json -q --quiet -h --help"
    local field_opts="--name --custom-id --type --library-id --broadcast-mode --scheduled-at
        --resolution --ull --no-ull --ingest --live-vod --vod-start --vod-end --privacy
        --device-limit --description --auto-preview --auto-start --no-auto-start --auto-end
        --close-after"
    # Options that take a value (so the next word is not a command or an ID).
    local value_opts=" --socket -f --file -o --output --state --limit --name --custom-id --type
        --library-id --broadcast-mode --scheduled-at --resolution --ingest --live-vod --vod-start
        --vod-end --privacy --device-limit --description --auto-preview --auto-end --close-after "

    # Find the command, the --socket given, and how many positionals follow the command.
    local i word command="" socket="" positionals=0 skip=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if ((skip)); then
            skip=0
            continue
        fi
        case $word in
            --socket) socket=${COMP_WORDS[i+1]}; skip=1; continue ;;
            --socket=*) socket=${word#--socket=}; continue ;;
        esac
        if [[ $word == -* ]]; then
            [[ $value_opts == *" $word "* ]] && skip=1
            continue
        fi
        if [[ -z $command ]]; then
            command=$word
        else
            ((positionals++))
        fi
    done

    case $prev in
        --socket | -f | --file)
            COMPREPLY=($(compgen -f -- "$cur"))
            compopt -o filenames 2>/dev/null
            return ;;
        --json)
            if [[ $command == create && $cur != -* ]]; then
                COMPREPLY=($(compgen -f -- "$cur"))
                compopt -o filenames 2>/dev/null
                return
            fi ;;
        --type) COMPREPLY=($(compgen -W "live simulive" -- "$cur")); return ;;
        --broadcast-mode) COMPREPLY=($(compgen -W "traditional dvr playback" -- "$cur")); return ;;
        --resolution) COMPREPLY=($(compgen -W "hd fhd 4k" -- "$cur")); return ;;
        --ingest) COMPREPLY=($(compgen -W "rtmp srt whip" -- "$cur")); return ;;
        --live-vod)
            COMPREPLY=($(compgen -W "catchup replace: playback: none" -- "$cur"))
            compopt -o nospace 2>/dev/null
            return ;;
        --privacy) COMPREPLY=($(compgen -W "public token" -- "$cur")); return ;;
        -o | --output) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --state)
            COMPREPLY=($(compgen -W "SCHEDULED PREPARING WAIT_FOR_PREVIEW PREVIEW LIVE ENCODING
                VOD_READY VOD LIVE_END CLOSED ARCHIVED" -- "$cur"))
            return ;;
        --name | --custom-id | --library-id | --scheduled-at | --vod-start | --vod-end | \
            --device-limit | --description | --auto-preview | --auto-end | --close-after | --limit)
            return ;;
    esac

    if [[ -z $command ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global_opts --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    if [[ $cur == -* ]]; then
        local opts="$global_opts"
        case $command in
            create) opts+=" -f --file -o --output $field_opts" ;;
            update) opts+=" -f --file $field_opts" ;;
            list) opts+=" --state" ;;
            events) opts+=" --limit" ;;
            delete) opts+=" -y --yes" ;;
        esac
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    if [[ $id_commands == *" $command "* ]] && ((positionals == 0)); then
        local ids
        ids=$(_bvlive_ids "${COMP_WORDS[0]}" "$socket")
        local IFS=$'\n'
        COMPREPLY=($(compgen -W "$ids" -- "$cur"))
    fi
}

complete -F _bvlive bvlive
