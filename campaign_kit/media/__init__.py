"""The time-based half of the kit: guide clips for TVs and LED boards, loudspeaker audio.

`cards`: what a clip shows and for how long (its captions too); `encode`: ffmpeg, run with
bit-exact flags so the same frames give the same bytes; `audio`: EBU R128 normalisation and the
synthetic draft voice; `checks`: what is read back before a file is kept (ffprobe, a frame's QR
code, the safe area, the measured loudness). The stage is `stages/media.py`.
"""
